import { CTL, JOB_KINDS } from './layout.js';

/**
 * The worker script (a classic script, run by Node `worker_threads` with `eval` or by a
 * Web Worker from a Blob URL; platform.ts prepends `const __node = true|false;`).
 *
 * It receives { module, memory, tid } once, instantiates the kernels over the shared
 * memory, marks itself ready and then loops: wait until the job word changes (spin
 * briefly, then Atomics.wait), run the job if its thread count includes this tid, count
 * itself done. It never returns to its event loop until `stop` is set.
 */
export const WORKER_SOURCE = `
const CTL = ${JSON.stringify(CTL)};
const KINDS = ${JSON.stringify(JOB_KINDS)};
const SPINS = 4000;
function start(setup) {
  const { module, memory, tid } = setup;
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const jobs = KINDS.map((k) => exports[k]);
  const i32 = new Int32Array(memory.buffer, 0, 1024);
  let seen = Atomics.load(i32, CTL.job);
  Atomics.store(i32, CTL.ready + tid, 1);
  for (;;) {
    let job = Atomics.load(i32, CTL.job);
    let spins = 0;
    while (job === seen) {
      if (++spins > SPINS) Atomics.wait(i32, CTL.job, seen);
      job = Atomics.load(i32, CTL.job);
    }
    seen = job;
    if (Atomics.load(i32, CTL.stop) !== 0) break;
    const nt = job & 255;
    if (tid >= nt) continue;
    try {
      jobs[Atomics.load(i32, CTL.kind)](Atomics.load(i32, CTL.args), tid, nt, 1);
    } catch (error) {
      Atomics.store(i32, CTL.failed, 1);
    }
    Atomics.add(i32, CTL.done, 1);
    Atomics.notify(i32, CTL.done);
  }
  Atomics.store(i32, CTL.ready + tid, 0);
  if (__node) require('node:worker_threads').parentPort.close();
  else self.close();
}
if (__node) require('node:worker_threads').parentPort.once('message', start);
else self.onmessage = (event) => start(event.data);
`;
