/**
 * @cellstate/worker: train cellstate models in a worker so the page (or Node's event
 * loop) stays responsive. Progress events (step, loss, metrics, ETA), pause, resume,
 * cancel, and checkpoints as safetensors bytes transferred to the main thread.
 *
 * This entry is browser-safe; `@cellstate/worker/node` starts worker_threads workers,
 * `@cellstate/worker/runtime` is what runs inside the worker.
 *
 * @example
 * ```ts
 * import { startTraining } from '@cellstate/worker';
 * const worker = new Worker(new URL('@cellstate/worker/runtime/browser', import.meta.url), { type: 'module' });
 * const session = startTraining({ worker, module: new URL('./my-training.js', import.meta.url).href, options: { steps: 2000 } });
 * session.on('progress', ({ step, loss, etaMs }) => (status.textContent = `${step}: ${loss.toFixed(4)}, ${Math.round((etaMs ?? 0) / 1000)} s left`));
 * pause.onclick = () => session.pause();
 * const { checkpoint } = await session.done;
 * await decodeInto(model, checkpoint!.bytes); // the trained weights, on the main thread
 * ```
 */
export { startTraining, TrainingSession, TrainingError, type TrainingErrorCode, type StartTrainingOptions, type StartWebTrainingOptions } from './session.js';
export {
  endpointFromWorker,
  type Endpoint,
  type WebWorkerLike,
  type TrainingStatus,
  type TrainingProgress,
  type TrainingCheckpoint,
  type TrainingResult,
  type ToWorker,
  type FromWorker,
  type StartMessage,
  type SerializedError,
} from './protocol.js';
