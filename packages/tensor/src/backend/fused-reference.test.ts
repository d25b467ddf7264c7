import { beforeAll, describe, expect, it } from 'vitest';
import { useReferenceBackend, seeded } from '../test-setup.js';
import { tensor } from '../ops/creation.js';
import { adamStep } from '../ops/adam-step.js';
import { softmaxCrossEntropy } from '../ops/softmax-cross-entropy.js';
import { scope } from '../memory.js';

// Independent plain-JS formulas (torch.optim.Adam / AdamW docs, Algorithm 1 of Kingma & Ba).
function adamPlain(p: number[], g: number[], m: number[], v: number[], step: number, lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean) {
  return p.map((p0, i) => {
    let pi = p0;
    let gi = g[i]!;
    if (wd) {
      if (decoupled) pi = pi * (1 - lr * wd);
      else gi = gi + wd * p0;
    }
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    const mh = mi / (1 - b1 ** step);
    const vh = vi / (1 - b2 ** step);
    return { p: pi - (lr * mh) / (Math.sqrt(vh) + eps), m: mi, v: vi };
  });
}

describe('fused-op reference compositions', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });

  for (const [label, wd, decoupled] of [['Adam', 0, false], ['Adam + L2', 0.1, false], ['AdamW', 0.1, true]] as const) {
    it(`adamStep (${label}) matches the published update`, () => {
      const r = seeded(5);
      const [p, g, m] = [r(7), r(7), r(7)];
      const v = r(7, 0, 1);
      const expected = adamPlain(p, g, m, v, 3, 0.01, 0.9, 0.999, 1e-8, wd, decoupled);
      scope(() => {
        const out = adamStep({ param: tensor(p), grad: tensor(g), m: tensor(m), v: tensor(v), step: 3, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: wd, decoupledWeightDecay: decoupled });
        const [pp, mm, vv] = [out.param.dataSync(), out.m.dataSync(), out.v.dataSync()];
        expected.forEach((e, i) => {
          expect(pp[i]).toBeCloseTo(e.p, 6);
          expect(mm[i]).toBeCloseTo(e.m, 6);
          expect(vv[i]).toBeCloseTo(e.v, 6);
        });
      });
    });
  }

  it('softmaxCrossEntropy matches -log softmax and is stable for large logits', () => {
    scope(() => {
      const logits = [[1, 2, 3], [1000, 0, -1000]];
      const { loss, probabilities } = softmaxCrossEntropy(tensor(logits), tensor([2, 1], [2], { dtype: 'int32' }));
      const l = loss.dataSync();
      const row = logits[0]!;
      const lse = Math.log(row.reduce((s, x) => s + Math.exp(x), 0));
      expect(l[0]).toBeCloseTo(lse - 3, 6);
      expect(l[1]).toBeCloseTo(1000, 3);
      const p = probabilities.dataSync();
      expect(p[3]).toBeCloseTo(1, 6);
      expect(Number.isFinite(p[5]!)).toBe(true);
    });
  });
});
