/**
 * @cellstate/worker/runtime: what runs inside the training worker (browser-safe: no
 * Node APIs). A worker entry calls `runTrainingWorker(endpoint)`; the main thread's
 * `start` message names the training module, which is imported and driven here.
 *
 * A training module exports one of:
 *
 * - `setup(context)` (step-function style): returns `{ model, optimizer?, totalSteps?, step(n) }`;
 *   the runtime calls `step(n)` for n = 1, 2, ... and handles pause, cancel, progress,
 *   ETA and checkpoints between steps.
 * - `train(context)` (loop style): runs its own loop, calls `context.track(model, optimizer)`
 *   once and `await context.report({ loss, metrics })` after every step; `report` is
 *   where pausing waits and cancelling ends the loop (it throws `TrainingCancelled`).
 *
 * @example
 * ```ts
 * // my-training.ts (the training module)
 * import '@cellstate/backend-cpu';
 * import { LSTM } from '@cellstate/lstm';
 * export async function setup({ options }) {
 *   const model = ...; const optimizer = new Adam(model, { learningRate: 1e-2 });
 *   const trainer = new Trainer({ optimizer, clipGradNorm: 1 });
 *   return { model, optimizer, totalSteps: options.steps, step: async () => (await trainer.step(() => loss())).loss };
 * }
 * ```
 */
import { ready } from '@cellstate/tensor';
import { decodeTrainingState, encodeTrainingState, NonFiniteLossError, type CheckpointableOptimizer, type Module } from '@cellstate/nn';
import type { Endpoint, FromWorker, SerializedError, StartMessage, ToWorker, TrainingCheckpoint, TrainingProgress, TrainingResult, TrainingStatus } from '../protocol.js';

/** What one step reports: the loss, or the loss with metrics (and `done: true` to stop early). */
export type StepOutput = number | { loss: number; metrics?: Record<string, number>; epoch?: number; done?: boolean };

export interface TrainingContext {
  /** `options` given to startTraining (structured-clone data). */
  options: unknown;
  /** The step a resumed run continues from (0 for a new run). */
  startStep: number;
  /** Aborted when the run is cancelled. */
  signal: AbortSignal;
  /** Sends a line to the main thread's `log` listeners. */
  log(message: string): void;
}

export interface TrainingSetup {
  model: Module;
  optimizer?: CheckpointableOptimizer;
  /** Length of the run (for ETA and to stop); without it the run goes on until a step returns `done` or it is cancelled. */
  totalSteps?: number;
  /** One training step; `step` is 1-based and continues after a resume. */
  step(step: number): StepOutput | Promise<StepOutput>;
  /** Called when the run ends (free tensors, close data sources). */
  dispose?(): void | Promise<void>;
}

export interface TrainLoopContext extends TrainingContext {
  /** The model (and optimizer) checkpoints save and a resume restores. Call before the first `report`. Resolves with the step to continue from. */
  track(model: Module, optimizer?: CheckpointableOptimizer, totalSteps?: number): Promise<number>;
  /** Reports a finished step; pauses here while paused; throws `TrainingCancelled` when cancelled. */
  report(output: StepOutput): Promise<void>;
}

export interface TrainingModule {
  setup?(context: TrainingContext): TrainingSetup | Promise<TrainingSetup>;
  train?(context: TrainLoopContext): void | Promise<void>;
}

/** Thrown by `TrainLoopContext.report` when the run was cancelled; let it propagate. */
export class TrainingCancelled extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'TrainingCancelled';
  }
}

/** Yields to the event loop (a macrotask, so control messages get in) without timer clamping. */
function macrotask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Something thrown, as the structured-clone data the protocol's `error` message carries (the step of a `NonFiniteLossError` included). */
function serialize(error: unknown): SerializedError {
  if (error instanceof Error) {
    const step = error instanceof NonFiniteLossError ? error.step : undefined;
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}), ...(step !== undefined ? { step } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/** JSON-safe numbers for a checkpoint's `extra`: NaN and ±Infinity become null. */
function finiteOrNull(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

/**
 * Reports a rejection nobody handled (a training module's forgotten promise) as the
 * run's failure: otherwise a browser worker carries on silently and the session's
 * `done` never settles. Node's worker entry does the same with process events.
 */
function reportUnhandledRejections(post: (m: FromWorker) => void): void {
  const scope = globalThis as { addEventListener?: (type: string, listener: (event: { reason?: unknown; preventDefault?: () => void }) => void) => void };
  scope.addEventListener?.('unhandledrejection', (event) => {
    event.preventDefault?.();
    post({ type: 'error', error: { ...serialize(event.reason), name: 'UnhandledRejection' } });
  });
}

/** For worker entries that report failures of their own (Node's `unhandledRejection`). */
export { serialize as serializeWorkerError };

const importByUrl = (url: string) => import(/* @vite-ignore */ url) as Promise<TrainingModule>;

/**
 * Serves one training run on `endpoint` (a worker's `self`/`parentPort` adapter).
 * `load` imports the training module (default: dynamic `import(url)`); a worker entry
 * that bundles its module can pass `() => module` instead (see `serveTraining`).
 */
export function runTrainingWorker(endpoint: Endpoint, load: (url: string) => Promise<TrainingModule> = importByUrl): void {
  let started = false;
  const state = {
    paused: false,
    cancelled: false,
    resume: undefined as (() => void) | undefined,
    checkpointRequests: [] as number[],
  };
  const abort = new AbortController();
  const post = (m: FromWorker, transfer?: ArrayBuffer[]) => endpoint.post(m, transfer);
  reportUnhandledRejections(post);

  endpoint.listen((raw) => {
    const m = raw as ToWorker;
    switch (m.type) {
      case 'start':
        if (started) return;
        started = true;
        void run(m);
        break;
      case 'pause':
        state.paused = true;
        break;
      case 'resume':
        state.paused = false;
        state.resume?.();
        break;
      case 'cancel':
        state.cancelled = true;
        abort.abort();
        state.resume?.();
        break;
      case 'checkpoint':
        state.checkpointRequests.push(m.id);
        state.resume?.();
        break;
    }
  });

  async function run(start: StartMessage): Promise<void> {
    let step = 0;
    const current = { status: 'starting' as TrainingStatus };
    const setStatus = (s: TrainingStatus) => {
      current.status = s;
      post({ type: 'status', status: s, step });
    };
    setStatus('starting');
    let tracked: { model: Module; optimizer?: CheckpointableOptimizer } | undefined;
    let totalSteps: number | undefined;
    let last: { loss: number; metrics: Record<string, number>; epoch?: number } | undefined;
    let activeMs = 0;
    let segmentStart = now();
    let emaStepMs: number | undefined;
    let lastStepEnd = now();
    let lastProgressAt = -Infinity;
    let dispose: (() => void | Promise<void>) | undefined;
    let finalStash: TrainingCheckpoint | undefined;

    const checkpoint = async (reason: TrainingCheckpoint['reason'], id?: number) => {
      if (!tracked) throw new Error('no model to checkpoint: the training module must return (setup) or track (train) its model');
      const bytes = await encodeTrainingState({
        model: tracked.model,
        ...(tracked.optimizer ? { optimizer: tracked.optimizer } : {}),
        step,
        ...(last?.epoch !== undefined ? { epoch: last.epoch } : {}),
        extra: { loss: finiteOrNull(last?.loss), metrics: Object.fromEntries(Object.entries(last?.metrics ?? {}).map(([k, x]) => [k, finiteOrNull(x)])) },
      });
      const c: TrainingCheckpoint = { step, bytes, reason };
      if (reason !== 'final') post({ type: 'checkpoint', ...(id !== undefined ? { id } : {}), checkpoint: c }, [bytes.buffer as ArrayBuffer]);
      return c;
    };

    const elapsed = () => activeMs + (current.status === 'running' ? now() - segmentStart : 0);

    let lastSentStep = -1;
    const sendProgress = (force: boolean) => {
      if (!last || lastSentStep === step) return;
      const t = now();
      if (!force && t - lastProgressAt < start.progressIntervalMs) return;
      lastProgressAt = t;
      lastSentStep = step;
      const stepsPerSecond = emaStepMs ? 1000 / emaStepMs : 0;
      const progress: TrainingProgress = {
        step,
        ...(totalSteps !== undefined ? { totalSteps } : {}),
        loss: last.loss,
        metrics: last.metrics,
        ...(last.epoch !== undefined ? { epoch: last.epoch } : {}),
        elapsedMs: elapsed(),
        stepsPerSecond,
        ...(totalSteps !== undefined && emaStepMs !== undefined ? { etaMs: Math.max(0, totalSteps - step) * emaStepMs } : {}),
      };
      post({ type: 'progress', progress });
    };

    /** Between steps: let messages in, serve checkpoint requests, wait while paused. */
    const boundary = async () => {
      await macrotask();
      for (;;) {
        while (state.checkpointRequests.length) await checkpoint('request', state.checkpointRequests.shift());
        if (state.cancelled || !state.paused) break;
        if (current.status !== 'paused') {
          activeMs += now() - segmentStart;
          sendProgress(true);
          setStatus('paused');
        }
        await new Promise<void>((resolve) => (state.resume = resolve));
        state.resume = undefined;
      }
      if (current.status === 'paused' && !state.cancelled) {
        segmentStart = now();
        lastStepEnd = now();
        setStatus('running');
      }
    };

    const record = async (output: StepOutput) => {
      step += 1;
      const o = typeof output === 'number' ? { loss: output } : output;
      if (typeof o.loss !== 'number') throw new Error(`step ${step}: the training module must return a number or { loss }`);
      if (!Number.isFinite(o.loss) && start.onNonFiniteLoss !== 'continue') throw new NonFiniteLossError(step, o.loss, 'loss');
      last = { loss: o.loss, metrics: { ...(o.metrics ?? {}) }, ...(o.epoch !== undefined ? { epoch: o.epoch } : {}) };
      const t = now();
      const dt = t - lastStepEnd;
      lastStepEnd = t;
      emaStepMs = emaStepMs === undefined ? dt : 0.8 * emaStepMs + 0.2 * dt;
      const isLast = (totalSteps !== undefined && step >= totalSteps) || o.done === true;
      sendProgress(isLast);
      if (start.checkpointEvery > 0 && step % start.checkpointEvery === 0) await checkpoint('interval');
      return isLast;
    };

    const restore = async () => {
      if (!start.resumeFrom || !tracked) return;
      const restored = await decodeTrainingState(start.resumeFrom, { model: tracked.model, ...(tracked.optimizer ? { optimizer: tracked.optimizer } : {}), source: 'resumeFrom' });
      step = restored.step;
      const extra = restored.extra as { loss?: number | null; metrics?: Record<string, number> } | undefined;
      if (extra && typeof extra.loss === 'number') last = { loss: extra.loss, metrics: extra.metrics ?? {} };
    };

    const context = (): TrainingContext => ({
      options: start.options,
      get startStep() {
        return step;
      },
      signal: abort.signal,
      log: (message: string) => post({ type: 'log', message }),
    });

    try {
      if (!start.module && load === importByUrl) throw new Error('no training module: pass `module` to startTraining, or serve a bundled module with serveTraining()');
      const module = await load(start.module);
      if (typeof module?.setup !== 'function' && typeof module?.train !== 'function') {
        throw new Error(`the training module ${start.module} exports neither setup() nor train()`);
      }
      await ready();
      if (typeof module.setup === 'function') {
        const setup = await module.setup(context());
        tracked = { model: setup.model, ...(setup.optimizer ? { optimizer: setup.optimizer } : {}) };
        totalSteps = setup.totalSteps;
        dispose = setup.dispose?.bind(setup);
        await restore();
        segmentStart = now();
        lastStepEnd = now();
        setStatus('running');
        for (;;) {
          if (totalSteps !== undefined && step >= totalSteps) break;
          await boundary();
          if (state.cancelled) break;
          const out = await setup.step(step + 1);
          if (await record(out)) break;
        }
      } else if (typeof module.train === 'function') {
        let tracking = false;
        const base = context();
        const loop: TrainLoopContext = {
          options: base.options,
          signal: base.signal,
          log: base.log,
          get startStep() {
            return step;
          },
          track: async (model, optimizer, total) => {
            tracked = { model, ...(optimizer ? { optimizer } : {}) };
            totalSteps = total;
            await restore();
            tracking = true;
            segmentStart = now();
            lastStepEnd = now();
            setStatus('running');
            return step;
          },
          report: async (output) => {
            if (!tracking) throw new Error('call context.track(model, optimizer) before the first report');
            const isLast = await record(output);
            await boundary();
            // The loop may dispose its model once it returns: take the final state now.
            if ((isLast || state.cancelled) && start.finalCheckpoint) finalStash = await checkpoint('final');
            if (state.cancelled) throw new TrainingCancelled();
          },
        };
        try {
          await module.train(loop);
        } catch (e) {
          if (!(e instanceof TrainingCancelled)) throw e;
        }
      }
      if (current.status === 'running') activeMs += now() - segmentStart;
      const finalStatus = state.cancelled ? 'cancelled' : 'completed';
      current.status = finalStatus;
      sendProgress(true);
      let final = finalStash;
      if (!final && start.finalCheckpoint && tracked) {
        try {
          final = await checkpoint('final');
        } catch (e) {
          post({ type: 'log', message: `no final checkpoint: ${(e as Error).message}` });
        }
      }
      await dispose?.();
      const result: TrainingResult = {
        status: finalStatus,
        steps: step,
        ...(last ? { loss: last.loss } : {}),
        metrics: last?.metrics ?? {},
        elapsedMs: activeMs,
        ...(final ? { checkpoint: final } : {}),
      };
      post({ type: 'done', result }, final ? [final.bytes.buffer as ArrayBuffer] : []);
    } catch (error) {
      try {
        await dispose?.();
      } catch {
        // the original error matters more
      }
      post({ type: 'error', error: serialize(error) });
    }
  }
}

/**
 * For a worker entry that bundles its training module (the bundler-friendly way):
 * `serveTraining(endpoint, await import('./my-training.js'))` ignores the module URL
 * of the start message and runs the given module.
 */
export function serveTraining(endpoint: Endpoint, module: TrainingModule): void {
  runTrainingWorker(endpoint, async () => module);
}

export type { Endpoint, TrainingCheckpoint, TrainingProgress, TrainingResult, TrainingStatus } from '../protocol.js';
export { endpointFromWorker } from '../protocol.js';
