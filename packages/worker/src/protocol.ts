/**
 * Messages between the main thread and the training worker (structured-clone data
 * only; checkpoint bytes are transferred, not copied).
 */

/** Where a training run is. */
export type TrainingStatus = 'starting' | 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

/** One progress event (sent at most every `progressIntervalMs`, and for the last step). */
export interface TrainingProgress {
  /** Steps done so far (1-based; after a resume it continues from the checkpoint's step). */
  step: number;
  /** The run's length when known (`totalSteps` from the training module). */
  totalSteps?: number;
  /** Loss of the latest step. */
  loss: number;
  /** The latest step's metrics (whatever the training module reports). */
  metrics: Record<string, number>;
  epoch?: number;
  /** Training time so far, pauses excluded (ms). */
  elapsedMs: number;
  /** Smoothed steps per second. */
  stepsPerSecond: number;
  /** Estimated time to `totalSteps` at the current speed (ms); absent without totalSteps. */
  etaMs?: number;
}

/** A checkpoint the main thread can read: a safetensors file (`@cellstate/nn` training-state layout). */
export interface TrainingCheckpoint {
  step: number;
  /** safetensors bytes from `encodeTrainingState` (model + optimizer state): `decodeInto(model, bytes)` loads the model part, `decodeTrainingState` everything. */
  bytes: Uint8Array;
  /** Why it was taken. */
  reason: 'interval' | 'request' | 'final';
}

/** How a run ended. */
export interface TrainingResult {
  status: 'completed' | 'cancelled';
  /** Steps done (the last step's number). */
  steps: number;
  loss?: number;
  metrics: Record<string, number>;
  elapsedMs: number;
  /** The state at the end (unless `finalCheckpoint: false`). */
  checkpoint?: TrainingCheckpoint;
}

export interface StartMessage {
  type: 'start';
  /** URL of the training module (file: URL in Node). */
  module: string;
  options: unknown;
  checkpointEvery: number;
  progressIntervalMs: number;
  finalCheckpoint: boolean;
  /** What a non-finite step loss does (default 'fail'). */
  onNonFiniteLoss?: 'fail' | 'continue';
  resumeFrom?: Uint8Array;
}

export type ToWorker = StartMessage | { type: 'pause' } | { type: 'resume' } | { type: 'cancel' } | { type: 'checkpoint'; id: number };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The training step the error is about (a non-finite loss). */
  step?: number;
}

export type FromWorker =
  | { type: 'status'; status: TrainingStatus; step: number }
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'checkpoint'; id?: number; checkpoint: TrainingCheckpoint }
  | { type: 'log'; message: string }
  | { type: 'done'; result: TrainingResult }
  | { type: 'error'; error: SerializedError };

/**
 * The one thing both sides need from a worker or a worker's global scope: send, and
 * listen for messages. `endpointFromWorker` adapts a Web Worker (or a worker's `self`),
 * `@cellstate/worker/node` a worker_threads Worker (or `parentPort`).
 */
export interface Endpoint {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  /** Returns a function that stops listening. */
  listen(handler: (message: unknown) => void): () => void;
  /** Errors of the worker itself (a script that fails to load, an uncaught exception). */
  onError?(handler: (error: Error) => void): () => void;
  /**
   * The worker ended (Node's `exit` event; Web Workers have none). A run that has not
   * finished when this fires fails instead of waiting forever.
   */
  onExit?(handler: (exitCode: number) => void): () => void;
  terminate?(): void | Promise<unknown>;
}

/** What a Web Worker (and a DedicatedWorkerGlobalScope) offers. */
export interface WebWorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  removeEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'messageerror', listener: (event: MessageEvent) => void): void;
  terminate?(): void;
}

/** Adapts a Web Worker (main thread) or a worker's `self` (inside the worker). Browser-safe. */
export function endpointFromWorker(worker: WebWorkerLike): Endpoint {
  return {
    post: (message, transfer = []) => worker.postMessage(message, transfer),
    listen: (handler) => {
      const listener = (event: MessageEvent) => handler(event.data);
      worker.addEventListener('message', listener);
      return () => worker.removeEventListener('message', listener);
    },
    onError: (handler) => {
      const listener = (event: ErrorEvent) => {
        event.preventDefault?.();
        handler(event.error instanceof Error ? event.error : new Error(event.message || 'the worker failed (its script may not have loaded)'));
      };
      // A message that cannot be deserialized would otherwise be dropped, and with it the run's end.
      const messageError = () => handler(new Error('a message from the worker could not be deserialized'));
      worker.addEventListener('error', listener);
      worker.addEventListener('messageerror', messageError);
      return () => {
        worker.removeEventListener('error', listener);
        worker.removeEventListener('messageerror', messageError);
      };
    },
    ...(worker.terminate ? { terminate: () => worker.terminate!() } : {}),
  };
}
