/**
 * The Web Worker entry: `new Worker(new URL('@cellstate/worker/runtime/browser', import.meta.url), { type: 'module' })`
 * (bundlers), or the built `dist/runtime/browser-entry.js`. It imports the training
 * module named by the main thread's start message. Browser-safe.
 */
import { endpointFromWorker, type WebWorkerLike } from '../protocol.js';
import { runTrainingWorker } from './index.js';

runTrainingWorker(endpointFromWorker(self as unknown as WebWorkerLike));
