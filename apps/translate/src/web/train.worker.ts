/**
 * The Web Worker the page trains in: serves the bundled training module over
 * `@cellstate/worker`'s protocol (start, pause, resume, cancel, checkpoint).
 * Started by the page as `new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' })`.
 */
import { endpointFromWorker, serveTraining } from '@cellstate/worker/runtime';
import type { WebWorkerLike } from '@cellstate/worker';
import * as training from './training.js';

serveTraining(endpointFromWorker(self as unknown as WebWorkerLike), training);
