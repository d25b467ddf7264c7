// The shared conformance suite with two worker threads and every size threshold at 0, so
// even the suite's small matmuls and LSTMs run in WebAssembly, split across threads.
import { describeBackendConformance } from '@cellstate/tensor/testing';
import { createCpuBackend } from './cpu-backend.js';

describeBackendConformance('cpu (wasm, 2 threads, every size)', async () => {
  const cpu = createCpuBackend({ threads: 2, tuning: { minWasmMatmul: 0, minParallelFlops: 0, minParallelStepFlops: 0 } });
  await cpu.ready();
  return cpu;
});
