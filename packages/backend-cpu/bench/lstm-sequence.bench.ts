/**
 * Fused LSTM sequence kernels vs the reference composition on the same CPU backend:
 * `createCpuBackend()` (fused kernels on) against `createCpuBackend({ fused: false })`,
 * where the op layer composes the sequence from primitives and autograd differentiates
 * it. Both run through the public op `lstmSequence`, so the numbers include the op
 * layer. No timing assertions; compare the ratios vitest prints.
 * `pnpm --filter @cellstate/backend-cpu bench`
 */
import { add, backward, lstmSequence, scope, sum, tensor, type Backend, type LstmSequenceInput, type Tensor } from '@cellstate/tensor';
import { bench, describe } from 'vitest';
import { createCpuBackend } from '../src/cpu-backend.js';

interface Shape {
  T: number;
  B: number;
  I: number;
  H: number;
  /** Timed iterations (the W1-like shape takes seconds per forward + backward). */
  iterations: number;
}

const shapes: Shape[] = [
  { T: 64, B: 32, I: 128, H: 256, iterations: 3 }, // W1-like
  { T: 32, B: 1, I: 128, H: 128, iterations: 20 }, // one sequence, latency
];

function values(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * Math.sin(seed + i * 0.7853);
  return out;
}

function inputsFor(backend: Backend, s: Shape, requiresGrad: boolean): LstmSequenceInput & { all: Tensor[] } {
  const { T, B, I, H } = s;
  const w = 1 / Math.sqrt(H);
  const mk = (shape: number[], seed: number, scale: number) => {
    const t = tensor(values(shape.reduce((a, b) => a * b, 1), seed, scale), shape, { backend });
    t.requiresGrad = requiresGrad;
    return t;
  };
  const x = mk([T, B, I], 1, 1);
  const wIh = mk([4 * H, I], 2, w);
  const wHh = mk([4 * H, H], 3, w);
  const bias = mk([4 * H], 4, w);
  const h0 = mk([B, H], 5, 0.1);
  const c0 = mk([B, H], 6, 0.1);
  return { x, wIh, wHh, bias, h0, c0, all: [x, wIh, wHh, bias, h0, c0] };
}

const fusedBackend = createCpuBackend();
const composedBackend = createCpuBackend({ fused: false });

for (const s of shapes) {
  const label = `T=${s.T} B=${s.B} I=${s.I} H=${s.H}`;
  const options = { iterations: s.iterations, time: 0, warmupIterations: 1, warmupTime: 0 };

  describe(`lstmSequence forward ${label}`, () => {
    const fusedInputs = inputsFor(fusedBackend, s, false);
    const composedInputs = inputsFor(composedBackend, s, false);
    bench('fused (cpu)', () => void scope(() => void lstmSequence(fusedInputs)), options);
    bench('composed (cpu, fused: false)', () => void scope(() => void lstmSequence(composedInputs)), options);
  });

  describe(`lstmSequence forward + backward ${label}`, () => {
    const step = (ins: ReturnType<typeof inputsFor>) =>
      void scope(() => {
        const { y, hT, cT } = lstmSequence(ins);
        backward(add(add(sum(y), sum(hT)), sum(cT)), { inputs: ins.all });
      });
    const fusedInputs = inputsFor(fusedBackend, s, true);
    const composedInputs = inputsFor(composedBackend, s, true);
    bench('fused (cpu)', () => step(fusedInputs), options);
    bench('composed (cpu, fused: false)', () => step(composedInputs), options);
  });
}
