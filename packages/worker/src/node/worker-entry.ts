// The worker_threads entry used by startNodeTraining.
import { parentPort } from 'node:worker_threads';
import { runTrainingWorker, serializeWorkerError } from '../runtime/index.js';
import { endpointFromNodePort } from './index.js';

if (!parentPort) throw new Error('@cellstate/worker/node worker-entry must run in a worker thread');
const endpoint = endpointFromNodePort(parentPort);
// A rejection nobody handles would end the thread with only an exit code; report it as the run's failure first.
process.on('unhandledRejection', (reason) => {
  endpoint.post({ type: 'error', error: { ...serializeWorkerError(reason), name: 'UnhandledRejection' } });
});
runTrainingWorker(endpoint);
