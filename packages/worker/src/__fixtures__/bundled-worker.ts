// A worker entry that bundles its training module (the bundler-friendly way apps use).
import { endpointFromWorker, serveTraining } from '../runtime/index.js';
import type { WebWorkerLike } from '../protocol.js';
import * as training from './train-setup.js';

serveTraining(endpointFromWorker(self as unknown as WebWorkerLike), training);
