// Source mode only (this repository's tests run TypeScript sources): registers tsx in
// the worker thread, then loads the TypeScript worker entry. Built packages use
// dist/node/worker-entry.js directly.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.cellstateEntry);
