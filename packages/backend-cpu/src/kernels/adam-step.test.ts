// The fused Adam / AdamW step against adamStepReference (float64 reference backend)
// through the op layer, over several steps, and against the composed CPU path.
import { adamStep, adamStepReference, readMany, scope, tensor, type Backend, type Tensor } from '@cellstate/tensor';
import { createReferenceBackend, expectClose, mulberry32 } from '@cellstate/tensor/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../cpu-backend.js';
import { adamStep as kernel } from './adam-step.js';

function uniform(rng: () => number, n: number, low: number, high: number): Float32Array {
  return Float32Array.from({ length: n }, () => low + (high - low) * rng());
}

const settings = [
  { weightDecay: 0, decoupledWeightDecay: false, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  { weightDecay: 0.01, decoupledWeightDecay: false, learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  { weightDecay: 0.1, decoupledWeightDecay: true, learningRate: 3e-3, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 },
  { weightDecay: 0, decoupledWeightDecay: true, learningRate: 0.5, beta1: 0, beta2: 0.5, epsilon: 1e-3 },
];

describe('fused adamStep vs adamStepReference', () => {
  for (const hyper of settings) {
    for (const shape of [[0], [1], [7], [3, 5], [40, 25]]) {
      it(`${JSON.stringify(hyper)} shape [${shape}]: five steps from step 1, and a late step`, async () => {
        const size = shape.reduce((a, b) => a * b, 1);
        const rng = mulberry32(size + 17);
        const start = [uniform(rng, size, -1, 1), uniform(rng, size, -0.1, 0.1), uniform(rng, size, 0, 0.01)] as const;
        const grads = Array.from({ length: 5 }, () => uniform(rng, size, -1, 1));
        const run = (backend: Backend, path: 'op' | 'reference', firstStep: number): Tensor[] =>
          scope(() => {
            let [param, m, v] = start.map((x) => tensor(x, shape, { backend })) as [Tensor, Tensor, Tensor];
            for (let s = 0; s < grads.length; s++) {
              const args = { param, m, v, grad: tensor(grads[s]!, shape, { backend }), step: firstStep + s, ...hyper };
              ({ param, m, v } = path === 'op' ? adamStep(args) : adamStepReference(args));
            }
            return [param, m, v];
          });
        for (const firstStep of [1, 1000]) {
          const cpu = createCpuBackend();
          const reference = createReferenceBackend();
          const fused = run(cpu, 'op', firstStep);
          const composed = run(createCpuBackend({ fused: false }), 'op', firstStep);
          const expected = run(reference, 'reference', firstStep);
          const got = await readMany(fused);
          const gotComposed = await readMany(composed);
          ['param', 'm', 'v'].forEach((label, i) => {
            expectClose(got[i]!, reference.readFloat64(expected[i]!.handle), { atol: 1e-6, rtol: 1e-5, label: `${label} vs reference (from step ${firstStep})` });
            expectClose(got[i]!, gotComposed[i]!, { atol: 1e-6, rtol: 1e-5, label: `${label} vs composed cpu (from step ${firstStep})` });
          });
          for (const t of [...fused, ...composed, ...expected]) t.dispose();
          expect(cpu.memory().handles).toBe(0);
        }
      });
    }
  }
});

describe('adamStep kernel', () => {
  it('is pure and matches a hand computation of step 1 (the update is lr·sign(g) when ε is tiny)', () => {
    const param = Float32Array.from([1, -2, 0.5]);
    const grad = Float32Array.from([0.3, -4, 0]);
    const m = new Float32Array(3);
    const v = new Float32Array(3);
    const out = [new Float32Array(3), new Float32Array(3), new Float32Array(3)] as const;
    kernel(param, grad, m, v, 1, { step: 1, learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-12, weightDecay: 0, decoupledWeightDecay: false }, ...out);
    expectClose(out[0], [0.9, -1.9, 0.5], { atol: 1e-6 });
    expectClose(out[1], [0.03, -0.4, 0], { atol: 1e-7 });
    expectClose(out[2], [0.3 * 0.3 * 0.001, 0.016, 0], { atol: 1e-9, rtol: 1e-6 });
    expect(Array.from(param)).toEqual([1, -2, 0.5]);
    expect(Array.from(m)).toEqual([0, 0, 0]);
  });

  it('AdamW decays the weights before the update; Adam with L2 adds the decay to the gradient', () => {
    const base = { step: 1, learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-12, weightDecay: 0.5 };
    const param = Float32Array.from([2]);
    const zeros = new Float32Array(1);
    const w = [new Float32Array(1), new Float32Array(1), new Float32Array(1)] as const;
    kernel(param, zeros, zeros, zeros, 1, { ...base, decoupledWeightDecay: true }, ...w);
    expect(w[0][0]).toBeCloseTo(2 * (1 - 0.05), 6); // zero gradient: only the decay
    const l2 = [new Float32Array(1), new Float32Array(1), new Float32Array(1)] as const;
    kernel(param, zeros, zeros, zeros, 1, { ...base, decoupledWeightDecay: false }, ...l2);
    expect(l2[0][0]).toBeCloseTo(2 - 0.1, 6); // g = 0.5·2 = 1, step 1 moves by lr
    expect(l2[1][0]).toBeCloseTo(0.1, 6);
  });
});
