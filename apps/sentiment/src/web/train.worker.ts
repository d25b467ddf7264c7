/**
 * The Web Worker the Train view starts (`new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' })`):
 * `@cellstate/worker`'s runtime serving the bundled training module, so the worker and
 * the module share one copy of `@cellstate/tensor` and its CPU backend.
 */
import { endpointFromWorker, serveTraining } from '@cellstate/worker/runtime';
import type { WebWorkerLike } from '@cellstate/worker';
import * as training from './training.js';

serveTraining(endpointFromWorker(self as unknown as WebWorkerLike), training);
