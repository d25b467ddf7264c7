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
import type { Endpoint, FromWorker, ToWorker } from '../protocol.js';
import { RunControls } from './controls.js';
import { reportUnhandledRejections } from './errors.js';
import type { TrainingModule } from './training-module.js';
import { TrainingRun } from './training-run.js';

export { fitInWorker, type WorkerFitOptions, type WorkerTaskFitOptions } from './fit-in-worker.js';
export { TrainingCancelled, type StepOutput, type TrainingContext, type TrainingSetup, type TrainLoopContext, type TrainingModule } from './training-module.js';

/** For worker entries that report failures of their own (Node's `unhandledRejection`). */
export { serializeError as serializeWorkerError } from './errors.js';

const importByUrl = (url: string) => import(/* @vite-ignore */ url) as Promise<TrainingModule>;

/**
 * Serves one training run on `endpoint` (a worker's `self`/`parentPort` adapter).
 * `load` imports the training module (default: dynamic `import(url)`); a worker entry
 * that bundles its module can pass `() => module` instead (see `serveTraining`).
 */
export function runTrainingWorker(endpoint: Endpoint, load: (url: string) => Promise<TrainingModule> = importByUrl): void {
  let started = false;
  const controls = new RunControls();
  const post = (m: FromWorker, transfer?: ArrayBuffer[]) => endpoint.post(m, transfer);
  reportUnhandledRejections(post);
  const loadModule = async (url: string) => {
    if (!url && load === importByUrl) throw new Error('no training module: pass `module` to startTraining, or serve a bundled module with serveTraining()');
    return load(url);
  };

  endpoint.listen((raw) => {
    const m = raw as ToWorker;
    if (m.type !== 'start') controls.apply(m);
    else if (!started) {
      started = true;
      void new TrainingRun(m, controls, post).run(loadModule);
    }
  });
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
