import { ready } from '@cellstate/tensor';
import { decodeTrainingState, encodeTrainingState, NonFiniteLossError, type CheckpointableOptimizer, type Module } from '@cellstate/nn';
import type { FromWorker, StartMessage, TrainingCheckpoint, TrainingProgress, TrainingResult, TrainingStatus } from '../protocol.js';
import type { RunControls } from './controls.js';
import { serializeError } from './errors.js';
import { macrotask, now } from './scheduling.js';
import { TrainingCancelled, type StepOutput, type TrainingContext, type TrainingModule, type TrainingSetup, type TrainLoopContext } from './training-module.js';

type Post = (m: FromWorker, transfer?: ArrayBuffer[]) => void;

/** JSON-safe numbers for a checkpoint's `extra`: NaN and ±Infinity become null. */
function finiteOrNull(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

/**
 * One training run inside the worker: drives the training module (either style), and
 * between steps serves pause, cancel and checkpoint requests, sends progress (with a
 * smoothed speed and ETA over active time only) and ends with `done` or `error`.
 */
export class TrainingRun {
  #step = 0;
  #status: TrainingStatus = 'starting';
  #tracked: { model: Module; optimizer?: CheckpointableOptimizer } | undefined;
  #totalSteps: number | undefined;
  #last: { loss: number; metrics: Record<string, number>; epoch?: number } | undefined;
  /** Time spent running (pauses excluded) before the current segment. */
  #activeMs = 0;
  #segmentStart = now();
  #emaStepMs: number | undefined;
  #lastStepEnd = now();
  #lastProgressAt = -Infinity;
  #lastSentStep = -1;
  #dispose: (() => void | Promise<void>) | undefined;
  /** The final checkpoint a loop-style run took before its loop returned. */
  #finalStash: TrainingCheckpoint | undefined;

  constructor(
    readonly start: StartMessage,
    readonly controls: RunControls,
    readonly post: Post,
  ) {}

  async run(load: (url: string) => Promise<TrainingModule>): Promise<void> {
    this.#setStatus('starting');
    try {
      const module = await load(this.start.module);
      if (typeof module?.setup !== 'function' && typeof module?.train !== 'function') {
        throw new Error(`the training module ${this.start.module} exports neither setup() nor train()`);
      }
      await ready();
      if (typeof module.setup === 'function') await this.#runSetup(await module.setup(this.#context()));
      else if (typeof module.train === 'function') await this.#runLoop(module.train.bind(module));
      await this.#finish();
    } catch (error) {
      try {
        await this.#dispose?.();
      } catch {
        // the original error matters more
      }
      this.post({ type: 'error', error: serializeError(error) });
    }
  }

  #setStatus(s: TrainingStatus): void {
    this.#status = s;
    this.post({ type: 'status', status: s, step: this.#step });
  }

  #context(): TrainingContext {
    const run = this;
    return {
      options: this.start.options,
      get startStep() {
        return run.#step;
      },
      signal: this.controls.abort.signal,
      log: (message: string) => this.post({ type: 'log', message }),
    };
  }

  /** Starts the clock on the first step (after setup and a resume, which are not training time). */
  #startRunning(): void {
    this.#segmentStart = now();
    this.#lastStepEnd = now();
    this.#setStatus('running');
  }

  /** Step-function style: the runtime owns the loop. */
  async #runSetup(setup: TrainingSetup): Promise<void> {
    this.#tracked = { model: setup.model, ...(setup.optimizer ? { optimizer: setup.optimizer } : {}) };
    this.#totalSteps = setup.totalSteps;
    this.#dispose = setup.dispose?.bind(setup);
    await this.#restore();
    this.#startRunning();
    for (;;) {
      if (this.#totalSteps !== undefined && this.#step >= this.#totalSteps) break;
      await this.#boundary();
      if (this.controls.cancelled) break;
      const out = await setup.step(this.#step + 1);
      if (await this.#record(out)) break;
    }
  }

  /** Loop style: the module owns the loop and hands control back in `report`. */
  async #runLoop(train: (context: TrainLoopContext) => void | Promise<void>): Promise<void> {
    const run = this;
    let tracking = false;
    const base = this.#context();
    const loop: TrainLoopContext = {
      options: base.options,
      signal: base.signal,
      log: base.log,
      get startStep() {
        return run.#step;
      },
      track: async (model, optimizer, total) => {
        this.#tracked = { model, ...(optimizer ? { optimizer } : {}) };
        this.#totalSteps = total;
        await this.#restore();
        tracking = true;
        this.#startRunning();
        return this.#step;
      },
      report: async (output) => {
        if (!tracking) throw new Error('call context.track(model, optimizer) before the first report');
        const isLast = await this.#record(output);
        await this.#boundary();
        // The loop may dispose its model once it returns: take the final state now.
        if ((isLast || this.controls.cancelled) && this.start.finalCheckpoint) this.#finalStash = await this.#checkpoint('final');
        if (this.controls.cancelled) throw new TrainingCancelled();
      },
    };
    try {
      await train(loop);
    } catch (e) {
      if (!(e instanceof TrainingCancelled)) throw e;
    }
  }

  async #restore(): Promise<void> {
    if (!this.start.resumeFrom || !this.#tracked) return;
    const { model, optimizer } = this.#tracked;
    const restored = await decodeTrainingState(this.start.resumeFrom, { model, ...(optimizer ? { optimizer } : {}), source: 'resumeFrom' });
    this.#step = restored.step;
    const extra = restored.extra as { loss?: number | null; metrics?: Record<string, number> } | undefined;
    if (extra && typeof extra.loss === 'number') this.#last = { loss: extra.loss, metrics: extra.metrics ?? {} };
  }

  /** Between steps: let messages in, serve checkpoint requests, wait while paused. */
  async #boundary(): Promise<void> {
    const controls = this.controls;
    await macrotask();
    for (;;) {
      while (controls.checkpointRequests.length) await this.#checkpoint('request', controls.checkpointRequests.shift());
      if (controls.cancelled || !controls.paused) break;
      if (this.#status !== 'paused') {
        this.#activeMs += now() - this.#segmentStart;
        this.#sendProgress(true);
        this.#setStatus('paused');
      }
      await new Promise<void>((resolve) => (controls.resume = resolve));
      controls.resume = undefined;
    }
    if (this.#status === 'paused' && !controls.cancelled) this.#startRunning();
  }

  /** Takes in one step's output; true when it was the last step. */
  async #record(output: StepOutput): Promise<boolean> {
    this.#step += 1;
    const step = this.#step;
    const o = typeof output === 'number' ? { loss: output } : output;
    if (typeof o.loss !== 'number') throw new Error(`step ${step}: the training module must return a number or { loss }`);
    if (!Number.isFinite(o.loss) && this.start.onNonFiniteLoss !== 'continue') throw new NonFiniteLossError(step, o.loss, 'loss');
    this.#last = { loss: o.loss, metrics: { ...(o.metrics ?? {}) }, ...(o.epoch !== undefined ? { epoch: o.epoch } : {}) };
    const t = now();
    const dt = t - this.#lastStepEnd;
    this.#lastStepEnd = t;
    this.#emaStepMs = this.#emaStepMs === undefined ? dt : 0.8 * this.#emaStepMs + 0.2 * dt;
    const isLast = (this.#totalSteps !== undefined && step >= this.#totalSteps) || o.done === true;
    this.#sendProgress(isLast);
    if (this.start.checkpointEvery > 0 && step % this.start.checkpointEvery === 0) await this.#checkpoint('interval');
    return isLast;
  }

  #elapsed(): number {
    return this.#activeMs + (this.#status === 'running' ? now() - this.#segmentStart : 0);
  }

  /** At most one progress event per `progressIntervalMs` unless forced, and never twice for one step. */
  #sendProgress(force: boolean): void {
    const last = this.#last;
    const step = this.#step;
    if (!last || this.#lastSentStep === step) return;
    const t = now();
    if (!force && t - this.#lastProgressAt < this.start.progressIntervalMs) return;
    this.#lastProgressAt = t;
    this.#lastSentStep = step;
    const totalSteps = this.#totalSteps;
    const emaStepMs = this.#emaStepMs;
    const progress: TrainingProgress = {
      step,
      ...(totalSteps !== undefined ? { totalSteps } : {}),
      loss: last.loss,
      metrics: last.metrics,
      ...(last.epoch !== undefined ? { epoch: last.epoch } : {}),
      elapsedMs: this.#elapsed(),
      stepsPerSecond: emaStepMs ? 1000 / emaStepMs : 0,
      ...(totalSteps !== undefined && emaStepMs !== undefined ? { etaMs: Math.max(0, totalSteps - step) * emaStepMs } : {}),
    };
    this.post({ type: 'progress', progress });
  }

  /** Encodes model and optimizer state; sent at once unless it is the final one (which goes with `done`). */
  async #checkpoint(reason: TrainingCheckpoint['reason'], id?: number): Promise<TrainingCheckpoint> {
    if (!this.#tracked) throw new Error('no model to checkpoint: the training module must return (setup) or track (train) its model');
    const { model, optimizer } = this.#tracked;
    const last = this.#last;
    const step = this.#step;
    const bytes = await encodeTrainingState({
      model,
      ...(optimizer ? { optimizer } : {}),
      step,
      ...(last?.epoch !== undefined ? { epoch: last.epoch } : {}),
      extra: { loss: finiteOrNull(last?.loss), metrics: Object.fromEntries(Object.entries(last?.metrics ?? {}).map(([k, x]) => [k, finiteOrNull(x)])) },
    });
    const c: TrainingCheckpoint = { step, bytes, reason };
    if (reason !== 'final') this.post({ type: 'checkpoint', ...(id !== undefined ? { id } : {}), checkpoint: c }, [bytes.buffer as ArrayBuffer]);
    return c;
  }

  async #finish(): Promise<void> {
    if (this.#status === 'running') this.#activeMs += now() - this.#segmentStart;
    const finalStatus = this.controls.cancelled ? 'cancelled' : 'completed';
    this.#status = finalStatus;
    this.#sendProgress(true);
    let final = this.#finalStash;
    if (!final && this.start.finalCheckpoint && this.#tracked) {
      try {
        final = await this.#checkpoint('final');
      } catch (e) {
        this.post({ type: 'log', message: `no final checkpoint: ${(e as Error).message}` });
      }
    }
    await this.#dispose?.();
    const last = this.#last;
    const result: TrainingResult = {
      status: finalStatus,
      steps: this.#step,
      ...(last ? { loss: last.loss } : {}),
      metrics: last?.metrics ?? {},
      elapsedMs: this.#activeMs,
      ...(final ? { checkpoint: final } : {}),
    };
    this.post({ type: 'done', result }, final ? [final.bytes.buffer as ArrayBuffer] : []);
  }
}
