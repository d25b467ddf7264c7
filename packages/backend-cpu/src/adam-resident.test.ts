// Adam with donated buffers on the WebAssembly path keeps the moments in linear memory
// between steps; the results must equal the plain TypeScript backend's step for step,
// including when the moments are read (a checkpoint) between steps.
import { describe, expect, it } from 'vitest';
import { adamStep, tensor, type Tensor } from '@cellstate/tensor';
import { createCpuBackend } from './cpu-backend.js';
import { wasmSimdSupported } from './wasm/platform.js';

function run(simd: boolean, threads: number, readBetween: boolean): { param: number[]; m: number[]; v: number[]; residentPeak: number; handles: number } {
  const cpu = createCpuBackend({ simd, threads });
  const n = 3001;
  const init = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
  let param: Tensor = tensor(init, [n], { backend: cpu });
  let m: Tensor = tensor(new Float32Array(n), [n], { backend: cpu });
  let v: Tensor = tensor(new Float32Array(n), [n], { backend: cpu });
  let residentPeak = 0;
  for (let step = 1; step <= 4; step++) {
    const grad = tensor(Float32Array.from({ length: n }, (_, i) => Math.cos(i * step) * 0.1), [n], { backend: cpu });
    const scale = tensor([0.5], [], { backend: cpu });
    const next = adamStep({ param, grad, m, v, step, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false, gradScale: scale, donate: true });
    for (const t of [param, m, v, grad, scale]) t.dispose();
    ({ param, m, v } = next);
    residentPeak = Math.max(residentPeak, cpu.residentBytes);
    if (readBetween && step === 2) {
      m.dataSync(); // a checkpoint reads the moments: they come out of linear memory
      v.dataSync();
    }
  }
  const out = { param: Array.from(param.dataSync()), m: Array.from(m.dataSync()), v: Array.from(v.dataSync()), residentPeak };
  for (const t of [param, m, v]) t.dispose();
  const handles = cpu.memory().handles;
  cpu.dispose();
  return { ...out, handles };
}

// Node 20+ and current browsers all have WebAssembly SIMD; the reason is for any other runtime.
describe.skipIf(!wasmSimdSupported())(`Adam moments resident in WebAssembly memory${wasmSimdSupported() ? '' : ' [skipped: this runtime has no WebAssembly SIMD]'}`, () => {
  const plain = run(false, 1, false);
  for (const [threads, readBetween] of [[1, false], [1, true], [2, false]] as const) {
    it(`${threads} thread(s)${readBetween ? ', moments read after step 2' : ''}: four steps equal the TypeScript kernel's`, () => {
      const got = run(true, threads, readBetween);
      expect(got.residentPeak).toBeGreaterThan(0);
      expect(got.handles).toBe(0);
      for (const key of ['param', 'm', 'v'] as const) {
        got[key].forEach((x, i) => expect(Math.abs(x - plain[key][i]!), `${key}[${i}]`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(plain[key][i]!))));
      }
    });
  }
});
