// The fused softmax cross-entropy against the reference composition (float64 reference
// backend), through the op layer, including the gradient the op layer derives from
// the fused probabilities.
import { add, backward, mul, readMany, scope, softmaxCrossEntropy, softmaxCrossEntropyReference, sum, tensor, type Backend, type Tensor } from '@cellstate/tensor';
import { createReferenceBackend, expectClose, mulberry32 } from '@cellstate/tensor/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../cpu-backend.js';
import { softmaxCrossEntropy as kernel } from './softmax-cross-entropy.js';

function uniform(rng: () => number, n: number, low: number, high: number): Float32Array {
  return Float32Array.from({ length: n }, () => low + (high - low) * rng());
}

describe('fused softmaxCrossEntropy vs the reference composition', () => {
  const cases = [
    { N: 1, C: 1, scale: 1 },
    { N: 1, C: 2, scale: 1 },
    { N: 4, C: 3, scale: 1 },
    { N: 5, C: 7, scale: 50 },
    { N: 3, C: 4, scale: 1000 },
    { N: 6, C: 1001, scale: 5 },
    { N: 33, C: 9, scale: 20 },
  ];
  for (const { N, C, scale } of cases) {
    for (const terms of ['loss', 'probabilities', 'both'] as const) {
      it(`N=${N} C=${C} logits ±${scale}, gradient of ${terms}`, async () => {
        const rng = mulberry32(N * 97 + C);
        const logits = uniform(rng, N * C, -scale, scale);
        const labels = Int32Array.from({ length: N }, (_, i) => (i * 5 + 1) % C);
        const wl = uniform(rng, N, -1, 1);
        const wp = uniform(rng, N * C, -1, 1);
        const run = (backend: Backend, fused: boolean): Tensor[] =>
          scope(() => {
            const x = tensor(logits, [N, C], { backend });
            x.requiresGrad = true;
            const y = tensor(labels, [N], { dtype: 'int32', backend });
            const out = fused ? softmaxCrossEntropy(x, y) : softmaxCrossEntropyReference(x, y);
            const lossPart = sum(mul(out.loss, tensor(wl, [N], { backend })));
            const probPart = sum(mul(out.probabilities, tensor(wp, [N, C], { backend })));
            const loss = terms === 'loss' ? lossPart : terms === 'probabilities' ? probPart : add(lossPart, probPart);
            return [out.loss, out.probabilities, backward(loss, { inputs: [x] }).get(x)!];
          });
        const cpu = createCpuBackend();
        const reference = createReferenceBackend();
        const actual = run(cpu, true);
        const expected = run(reference, false);
        try {
          const got = await readMany(actual);
          ['loss', 'probabilities', 'dlogits'].forEach((label, i) =>
            expectClose(got[i]!, reference.readFloat64(expected[i]!.handle), { atol: 1e-5 * Math.max(1, scale / 10), rtol: 1e-4, label }),
          );
        } finally {
          for (const t of [...actual, ...expected]) t.dispose();
        }
        expect(cpu.memory().handles).toBe(0);
      });
    }
  }
});

describe('softmaxCrossEntropy kernel', () => {
  it('stays finite for logits near the float32 range and gets the exact loss of a certain row', () => {
    const logits = Float32Array.from([3e38, -3e38, 0, 1e4, 1e4, -1e4]);
    const loss = new Float32Array(2);
    const p = new Float32Array(6);
    kernel(logits, Int32Array.from([0, 1]), 2, 3, loss, p);
    expect(Array.from(p)).toEqual([1, 0, 0, 0.5, 0.5, 0]);
    expect(loss[0]).toBe(0);
    expect(loss[1]).toBeCloseTo(Math.LN2, 6);
    // The true loss of picking -3e38 is 6e38: beyond float32, so Infinity.
    kernel(logits, Int32Array.from([1, 2]), 2, 3, loss, p);
    expect(loss[0]).toBe(Infinity);
    expect(Math.abs(loss[1]! - (2e4 + Math.LN2))).toBeLessThan(2e-3); // 1e4 + log 2 - (-1e4)
  });

  it('keeps a NaN in its row and gives 0 for a label outside [0, C) like the one-hot reference', () => {
    const loss = new Float32Array(2);
    const p = new Float32Array(4);
    kernel(Float32Array.from([NaN, 1, 2, 2]), Int32Array.from([1, 5]), 2, 2, loss, p);
    expect(Number.isNaN(loss[0])).toBe(true);
    expect(Number.isNaN(p[0]) && Number.isNaN(p[1])).toBe(true);
    expect(Array.from(p.subarray(2))).toEqual([0.5, 0.5]);
    expect(loss[1]).toBe(0);
  });

  it('handles N = 0', () => {
    const cpu = createCpuBackend();
    const r = cpu.softmaxCrossEntropy({ logits: cpu.fill([0, 3], 'float32', 0), labels: cpu.fill([0], 'int32', 0) });
    expect(r.loss.shape).toEqual([0]);
    expect(r.probabilities.shape).toEqual([0, 3]);
  });
});
