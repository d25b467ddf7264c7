import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, memory, tensor, type Tensor } from '@cellstate/tensor';
import { clipGradNorm } from './clip-grad-norm.js';
import { flat, labelled, loadPytorchFixture, tolerance, useBackend } from '../test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

/** Plain-JS torch.nn.utils.clip_grad_norm_. */
function clipReference(grads: number[][], maxNorm: number, p: number): { total: number; clipped: number[][] } {
  const all = grads.flat();
  const total = p === Infinity ? Math.max(...all.map(Math.abs)) : all.reduce((a, g) => a + Math.abs(g) ** p, 0) ** (1 / p);
  const coefficient = Math.min(maxNorm / (total + 1e-6), 1);
  return { total, clipped: grads.map((g) => g.map((v) => v * coefficient)) };
}

const GRADS = [
  [3, -4, 1, 0.5, -2, 6],
  [0, 2.5, -7, 1],
];

describe.each(['reference', 'cpu'] as const)('clipGradNorm (%s backend)', (backendName) => {
  beforeAll(async () => {
    await useBackend(backendName);
  });
  const tol = tolerance(backendName);

  function make(grads: number[][]) {
    const keys = grads.map((g) => tensor(g.map(() => 0)));
    const values = grads.map((g) => tensor(g));
    return { keys, values, map: new Map<Tensor, Tensor>(keys.map((k, i) => [k, values[i]!])) };
  }

  it.each([
    [2, 1],
    [1, 3],
    [Infinity, 2],
    [3, 0.5],
    [2, 1e6],
  ])('normType %s, maxNorm %s matches the plain-JS reference', (p, maxNorm) => {
    const { keys, values, map } = make(GRADS);
    const { totalNorm, gradients } = clipGradNorm(map, maxNorm, { normType: p });
    const expected = clipReference(GRADS, maxNorm, p);
    expect(totalNorm.shape).toEqual([]);
    expectClose(totalNorm.dataSync(), [expected.total], tol);
    expect([...gradients.keys()]).toEqual(keys);
    keys.forEach((k, i) => {
      const g = gradients.get(k)!;
      expect(g).not.toBe(values[i]);
      expectClose(g.dataSync(), expected.clipped[i]!, tol);
    });
    // Inputs are untouched and still owned by the caller.
    values.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(GRADS[i]!.map(Math.fround)));
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  it.each(labelled(loadPytorchFixture().clipGradNorm.cases, (c: any) => `normType ${c.normType}, maxNorm ${c.maxNorm}`))('matches torch clip_grad_norm_: %s', (_: string, c: any) => {
    const fx = loadPytorchFixture().clipGradNorm;
    const grads: number[][] = fx.grads.map(flat);
    const { keys, map } = make(grads);
    const { totalNorm, gradients } = clipGradNorm(map, c.maxNorm, { normType: c.normType === 'inf' ? Infinity : c.normType });
    expectClose(totalNorm.dataSync(), [c.totalNorm], tol);
    keys.forEach((k, i) => expectClose(gradients.get(k)!.dataSync(), flat(c.clipped[i]), tol));
  });

  it('returns only new tensors; nothing else is left behind', () => {
    const { map } = make(GRADS);
    const before = memory();
    const { totalNorm, gradients } = clipGradNorm(map, 1);
    expect(memory().handles).toBe(before.handles + 1 + gradients.size);
    totalNorm.dispose();
    gradients.forEach((g) => g.dispose());
    expect(memory()).toMatchObject({ handles: before.handles, bytesInUse: before.bytesInUse, tensors: before.tensors });
  });

  it('an empty map gives a zero norm; NaN propagates; bad arguments throw', () => {
    const empty = clipGradNorm(new Map(), 1);
    expect(Array.from(empty.totalNorm.dataSync())).toEqual([0]);
    expect(empty.gradients.size).toBe(0);
    const { keys, map } = make([[1, NaN]]);
    const r = clipGradNorm(map, 1);
    expect(Number.isNaN(r.totalNorm.dataSync()[0])).toBe(true);
    expect(Number.isNaN(r.gradients.get(keys[0]!)!.dataSync()[0])).toBe(true);
    expect(() => clipGradNorm(map, -1)).toThrow(ArgumentError);
    expect(() => clipGradNorm(map, 1, { normType: 0 })).toThrow(ArgumentError);
  });
});
