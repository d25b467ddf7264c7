// The worker_threads entry used by startNodeTraining.
import { parentPort } from 'node:worker_threads';
import { runTrainingWorker } from '../runtime/index.js';
import { endpointFromNodePort } from './index.js';

if (!parentPort) throw new Error('@cellstate/worker/node worker-entry must run in a worker thread');
runTrainingWorker(endpointFromNodePort(parentPort));
