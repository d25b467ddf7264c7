// Clipping folded into the optimizer (gradNormScale + step({ gradScale })) against the
// plain path (clipGradNorm, then step on the clipped copies).
import { beforeAll, describe, expect, it } from 'vitest';
import { memory, tensor, type Tensor } from '@cellstate/tensor';
import { Parameter } from '../parameter.js';
import { Adam, AdamW } from './adam.js';
import { SGD } from './sgd.js';
import { clipGradNorm, gradNormScale } from './clip-grad-norm.js';
import { useBackend } from '../test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

describe.each(['reference', 'cpu'] as const)('gradient scale in Optimizer.step (%s backend)', (backendName) => {
  beforeAll(async () => {
    await useBackend(backendName);
  });

  const start = [[0.5, -1, 2, 0.25], [3, -0.5]];
  const grads = [[4, -3, 0.5, 1], [-2, 6]];

  for (const [name, make] of [
    ['Adam', (ps: [string, Parameter][]) => new Adam(ps, { learningRate: 0.1 })],
    ['AdamW', (ps: [string, Parameter][]) => new AdamW(ps, { learningRate: 0.1 })],
    ['SGD', (ps: [string, Parameter][]) => new SGD(ps, { learningRate: 0.1, momentum: 0.9 })],
  ] as const) {
    it(`${name}: three steps with gradScale equal three steps on clipGradNorm's copies`, () => {
      const run = (folded: boolean) => {
        const params = start.map((v) => new Parameter(tensor(v)));
        const optimizer = make(params.map((p, i) => [`p${i}`, p] as [string, Parameter]));
        for (let step = 0; step < 3; step++) {
          const map = new Map<Tensor, Tensor>(params.map((p, i) => [p.value, tensor(grads[i]!.map((g) => g * (step + 1)))]));
          if (folded) {
            const { totalNorm, scale } = gradNormScale(map, 1);
            optimizer.step(map, { gradScale: scale });
            totalNorm.dispose();
            scale.dispose();
          } else {
            const clipped = clipGradNorm(map, 1);
            optimizer.step(clipped.gradients);
            clipped.totalNorm.dispose();
            clipped.gradients.forEach((g) => g.dispose());
          }
          map.forEach((g) => g.dispose());
        }
        const values = params.map((p) => Array.from(p.value.dataSync()));
        optimizer.dispose();
        params.forEach((p) => p.dispose());
        return values;
      };
      const before = memory().handles;
      const folded = run(true);
      const plain = run(false);
      folded.forEach((v, i) => expectClose(v, plain[i]!, { atol: 1e-6, rtol: 1e-6 }));
      // Clipping really happened (the plain update differs from an unclipped one).
      expect(folded[0]![0]).not.toBeCloseTo(start[0]![0]!, 6);
      expect(memory().handles).toBe(before);
    });
  }

  it('gradNormScale gives clipGradNorm\'s norm and coefficient', () => {
    const map = new Map<Tensor, Tensor>(grads.map((g) => [tensor(g.map(() => 0)), tensor(g)]));
    const { totalNorm, scale } = gradNormScale(map, 2);
    const norm = Math.hypot(...grads.flat());
    expectClose(totalNorm.dataSync(), [norm], { atol: 1e-6, rtol: 1e-6 });
    expectClose(scale.dataSync(), [2 / (norm + 1e-6)], { atol: 1e-6, rtol: 1e-6 });
    const small = gradNormScale(map, 1e6);
    expect(Array.from(small.scale.dataSync())).toEqual([1]);
  });

  it('rejects a gradScale that is not a float32 scalar', () => {
    const p = new Parameter(tensor([1, 2]));
    const optimizer = new Adam([['p', p]]);
    const map = new Map([[p.value, tensor([1, 1])]]);
    expect(() => optimizer.step(map, { gradScale: tensor([1, 2]) })).toThrow(/gradScale must be a float32 scalar/);
  });
});
