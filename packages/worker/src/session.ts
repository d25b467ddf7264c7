import { CellstateError } from '@cellstate/tensor';
import { endpointFromWorker, type Endpoint, type FromWorker, type SerializedError, type StartMessage, type ToWorker, type TrainingCheckpoint, type TrainingProgress, type TrainingResult, type TrainingStatus, type WebWorkerLike } from './protocol.js';

export interface StartTrainingOptions {
  /**
   * URL of the training module: an ES module exporting `setup` (step-function style)
   * or `train` (loop style); see `@cellstate/worker/runtime`. Imported inside the
   * worker, so give an absolute URL (in Node a path or file: URL is fine). Leave it out
   * when the worker entry bundles its module with `serveTraining`.
   */
  module?: string | URL;
  /** Passed to the module's `setup`/`train` as `context.options` (structured-clone data). */
  options?: unknown;
  /** Send a checkpoint every N steps (default 0: never). */
  checkpointEvery?: number;
  /** Progress events at most this often (default 100 ms); the last step always reports. */
  progressIntervalMs?: number;
  /** Send the state at the end as `result.checkpoint` (default true). */
  finalCheckpoint?: boolean;
  /** Resume from a checkpoint (`TrainingCheckpoint.bytes`): model, optimizer and step are restored. A copy is transferred to the worker. */
  resumeFrom?: Uint8Array;
  /**
   * A step that reports a NaN or infinite loss: 'fail' (default) ends the run with a
   * `TrainingError` of code `non-finite-loss` naming the step; 'continue' goes on (the
   * progress event carries the value, checkpoints record the loss as null).
   */
  onNonFiniteLoss?: 'fail' | 'continue';
}

/** Why a training run failed. */
export type TrainingErrorCode =
  /** The training module threw (or could not be loaded). */
  | 'module-error'
  /** A step reported a NaN or infinite loss (`step` says which). */
  | 'non-finite-loss'
  /** The worker crashed: an uncaught exception, an unhandled rejection, a message that could not be read. */
  | 'worker-error'
  /** The worker thread exited before the run ended. */
  | 'worker-exited'
  /** `terminate()` was called. */
  | 'terminated';

/** The run failed inside the worker (the training module threw, or the worker died). */
export class TrainingError extends CellstateError {
  readonly code: TrainingErrorCode;
  readonly workerStack?: string;
  /** The step the failure is about, when there is one (a non-finite loss). */
  readonly step?: number;
  constructor(error: SerializedError, code: TrainingErrorCode = error.name === 'NonFiniteLossError' ? 'non-finite-loss' : 'module-error') {
    super(error.message, { op: 'training worker' });
    this.name = error.name === 'Error' ? 'TrainingError' : `TrainingError(${error.name})`;
    this.code = code;
    if (error.stack) this.workerStack = error.stack;
    if (error.step !== undefined) this.step = error.step;
  }
}

type Events = {
  progress: TrainingProgress;
  checkpoint: TrainingCheckpoint;
  status: TrainingStatus;
  log: string;
};

/**
 * A training run in a worker, seen from the main thread. Nothing here blocks: the
 * worker trains, the page (or Node's event loop) stays free.
 *
 * @example
 * ```ts
 * const session = startTraining({ worker: new Worker(runtimeUrl, { type: 'module' }), module: trainingModuleUrl, checkpointEvery: 100 });
 * session.on('progress', (p) => render(p.step, p.loss, p.etaMs));
 * pauseButton.onclick = () => session.pause();
 * const result = await session.done; // { status, steps, loss, checkpoint }
 * ```
 */
export class TrainingSession {
  readonly done: Promise<TrainingResult>;
  #status: TrainingStatus = 'starting';
  #step = 0;
  #progress: TrainingProgress | undefined;
  #checkpoint: TrainingCheckpoint | undefined;
  #listeners: { [K in keyof Events]: Set<(value: Events[K]) => void> } = { progress: new Set(), checkpoint: new Set(), status: new Set(), log: new Set() };
  #endpoint: Endpoint;
  #stop: (() => void)[] = [];
  #waiters: { until: (s: TrainingStatus) => boolean; resolve: () => void }[] = [];
  #checkpointRequests = new Map<number, { resolve: (c: TrainingCheckpoint) => void; reject: (e: Error) => void }>();
  #nextRequest = 1;
  #settle!: { resolve: (r: TrainingResult) => void; reject: (e: Error) => void };
  #finished = false;

  constructor(endpoint: Endpoint, options: StartTrainingOptions) {
    this.#endpoint = endpoint;
    this.done = new Promise<TrainingResult>((resolve, reject) => (this.#settle = { resolve, reject }));
    // Unobserved failures should not crash Node with an unhandled rejection before the caller awaits.
    this.done.catch(() => undefined);
    this.#stop.push(endpoint.listen((m) => this.#onMessage(m as FromWorker)));
    if (endpoint.onError) this.#stop.push(endpoint.onError((e) => this.#fail({ name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) }, 'worker-error')));
    if (endpoint.onExit) {
      this.#stop.push(endpoint.onExit((code) => this.#fail({ name: 'Error', message: `the training worker exited (code ${code}) before the run ended` }, 'worker-exited')));
    }
    const start: StartMessage = {
      type: 'start',
      module: options.module === undefined ? '' : String(options.module),
      options: options.options,
      checkpointEvery: options.checkpointEvery ?? 0,
      progressIntervalMs: options.progressIntervalMs ?? 100,
      finalCheckpoint: options.finalCheckpoint ?? true,
      onNonFiniteLoss: options.onNonFiniteLoss ?? 'fail',
    };
    // A copy: the caller keeps its bytes, and a view into a shared or pooled buffer never gets transferred.
    const resume = options.resumeFrom ? new Uint8Array(options.resumeFrom) : undefined;
    if (resume) start.resumeFrom = resume;
    endpoint.post(start, resume ? [resume.buffer as ArrayBuffer] : []);
  }

  get status(): TrainingStatus {
    return this.#status;
  }

  /** The step of the latest status or progress message. */
  get step(): number {
    return this.#step;
  }

  get lastProgress(): TrainingProgress | undefined {
    return this.#progress;
  }

  /** The latest checkpoint received (interval, requested or final). */
  get latestCheckpoint(): TrainingCheckpoint | undefined {
    return this.#checkpoint;
  }

  /** Subscribes to `progress`, `checkpoint`, `status` or `log`; returns the unsubscribe function. */
  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  /** Pauses at the next step boundary; resolves once the worker has paused (or the run ended). */
  pause(): Promise<void> {
    if (this.#finished || this.#status === 'paused') return Promise.resolve();
    this.#send({ type: 'pause' });
    return this.#until((s) => s === 'paused');
  }

  /** Continues a paused run; resolves once the worker runs again (or the run ended). */
  resume(): Promise<void> {
    if (this.#finished || this.#status !== 'paused') return Promise.resolve();
    this.#send({ type: 'resume' });
    return this.#until((s) => s === 'running');
  }

  /** Stops at the next step boundary (also when paused); resolves with the result (status 'cancelled', with the final checkpoint). */
  cancel(): Promise<TrainingResult> {
    if (!this.#finished) this.#send({ type: 'cancel' });
    return this.done;
  }

  /** Asks for a checkpoint now; the worker takes it at the next step boundary (also when paused). */
  requestCheckpoint(): Promise<TrainingCheckpoint> {
    if (this.#finished) return Promise.reject(new Error('the training run has ended'));
    const id = this.#nextRequest++;
    const promise = new Promise<TrainingCheckpoint>((resolve, reject) => this.#checkpointRequests.set(id, { resolve, reject }));
    this.#send({ type: 'checkpoint', id });
    return promise;
  }

  /** Ends the worker at once (no final checkpoint); `done` rejects if the run had not finished. */
  async terminate(): Promise<void> {
    this.#fail({ name: 'Error', message: 'the training worker was terminated' }, 'terminated');
    await this.#endpoint.terminate?.();
  }

  #send(message: ToWorker): void {
    this.#endpoint.post(message);
  }

  #until(pred: (s: TrainingStatus) => boolean): Promise<void> {
    return new Promise((resolve) => this.#waiters.push({ until: (s) => pred(s) || this.#finished, resolve }));
  }

  #emit<K extends keyof Events>(event: K, value: Events[K]): void {
    for (const l of this.#listeners[event]) l(value);
  }

  #setStatus(status: TrainingStatus): void {
    this.#status = status;
    this.#waiters = this.#waiters.filter((w) => {
      if (w.until(status)) {
        w.resolve();
        return false;
      }
      return true;
    });
    this.#emit('status', status);
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'status':
        this.#step = message.step;
        this.#setStatus(message.status);
        break;
      case 'progress':
        this.#step = message.progress.step;
        this.#progress = message.progress;
        this.#emit('progress', message.progress);
        break;
      case 'checkpoint': {
        this.#checkpoint = message.checkpoint;
        if (message.id !== undefined) {
          this.#checkpointRequests.get(message.id)?.resolve(message.checkpoint);
          this.#checkpointRequests.delete(message.id);
        }
        this.#emit('checkpoint', message.checkpoint);
        break;
      }
      case 'log':
        this.#emit('log', message.message);
        break;
      case 'done':
        if (message.result.checkpoint) this.#checkpoint = message.result.checkpoint;
        this.#finish();
        this.#setStatus(message.result.status);
        this.#settle.resolve(message.result);
        break;
      case 'error':
        this.#fail(message.error, message.error.name === 'UnhandledRejection' ? 'worker-error' : undefined);
        break;
    }
  }

  #finish(): void {
    this.#finished = true;
    for (const stop of this.#stop) stop();
    for (const r of this.#checkpointRequests.values()) r.reject(new Error('the training run ended before the checkpoint was taken'));
    this.#checkpointRequests.clear();
  }

  #fail(error: SerializedError, code?: TrainingErrorCode): void {
    if (this.#finished) return;
    this.#finish();
    this.#setStatus('failed');
    this.#settle.reject(new TrainingError(error, code));
  }
}

export interface StartWebTrainingOptions extends StartTrainingOptions {
  /**
   * The worker running `@cellstate/worker/runtime`'s browser entry (or any worker that
   * calls `runTrainingWorker`), e.g.
   * `new Worker(new URL('@cellstate/worker/runtime/browser', import.meta.url), { type: 'module' })`,
   * or an `Endpoint`.
   */
  worker: WebWorkerLike | Endpoint;
}

/**
 * Starts a training run in a worker. Browser-safe (no Node APIs); in Node use
 * `startNodeTraining` from `@cellstate/worker/node`, which creates the worker thread.
 */
export function startTraining(options: StartWebTrainingOptions): TrainingSession {
  const endpoint = 'listen' in options.worker ? options.worker : endpointFromWorker(options.worker);
  return new TrainingSession(endpoint, options);
}
