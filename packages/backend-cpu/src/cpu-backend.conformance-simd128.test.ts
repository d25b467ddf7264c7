// The shared conformance suite on the SIMD128 build with relaxed SIMD switched off (the
// fallback where a runtime lacks it, and the bit-identical-everywhere choice), one thread,
// every size threshold at 0 so even the suite's small matmuls and LSTMs run in it.
// The default file runs the relaxed-SIMD build wherever the runtime has it.
import { describeBackendConformance } from '@cellstate/tensor/testing';
import { createCpuBackend } from './cpu-backend.js';

describeBackendConformance('cpu (wasm SIMD128 build, relaxed SIMD off, every size)', async () => {
  const cpu = createCpuBackend({ threads: 1, relaxedSimd: false, tuning: { minWasmMatmul: 0, minParallelFlops: 0, minParallelStepFlops: 0, minWasmElementwise: 0 } });
  await cpu.ready();
  if (cpu.kernelInfo.relaxedSimd) throw new Error('relaxedSimd: false still runs the relaxed build');
  return cpu;
});
