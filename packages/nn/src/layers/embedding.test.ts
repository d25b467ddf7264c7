import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, backward, clearTape, memory, mul, noGrad, scope, sum, tensor, type Tensor } from '@cellstate/tensor';
import { Embedding } from './embedding.js';
import { IndexOutOfRangeError } from '../check-indices.js';
import { Adam } from '../optim/adam.js';
import { SGD } from '../optim/sgd.js';
import { useBackend } from '../test-setup.js';

const ids = (values: number[], shape = [values.length]) => tensor(values, shape, { dtype: 'int32' });
const rowOf = (t: Tensor, row: number, dim: number) => Array.from(t.dataSync().slice(row * dim, (row + 1) * dim));

describe.each(['reference', 'cpu'] as const)('Embedding (%s backend)', (backendName) => {
  beforeAll(async () => {
    await useBackend(backendName);
  });
  afterEach(() => clearTape());

  it('starts N(0, 1) with the padding row zero', () => {
    const e = new Embedding(400, 50, { paddingIdx: 3, seed: 1 });
    expect(e.weight.shape).toEqual([400, 50]);
    expect(e.namedParameters().map(([n]) => n)).toEqual(['weight']);
    const w = Array.from(e.weight.value.dataSync());
    expect(rowOf(e.weight.value, 3, 50)).toEqual(new Array(50).fill(0));
    const nonPad = w.filter((_, i) => Math.floor(i / 50) !== 3);
    const mean = nonPad.reduce((a, b) => a + b, 0) / nonPad.length;
    const std = Math.sqrt(nonPad.reduce((a, b) => a + (b - mean) ** 2, 0) / nonPad.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(std - 1)).toBeLessThan(0.02);
    e.dispose();
  });

  it('looks up rows for ids of any shape: [B, T] -> [B, T, E]', () => {
    const e = new Embedding(6, 3, { seed: 2 });
    const y = e.forward(ids([5, 0, 2, 2, 1, 5], [2, 3]));
    expect(y.shape).toEqual([2, 3, 3]);
    const out = Array.from(y.dataSync());
    [5, 0, 2, 2, 1, 5].forEach((id, k) => expect(out.slice(k * 3, k * 3 + 3)).toEqual(rowOf(e.weight.value, id, 3)));
    e.dispose();
  });

  it('throws an IndexOutOfRangeError naming the id and its position, before any work', () => {
    const e = new Embedding(5, 2, { seed: 3 });
    const bad = ids([0, 1, 4, 3, 7, 2], [2, 3]);
    const before = memory();
    let error: unknown;
    try {
      e.forward(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(IndexOutOfRangeError);
    expect(error).toBeInstanceOf(ArgumentError);
    expect((error as IndexOutOfRangeError).index).toBe(7);
    expect((error as IndexOutOfRangeError).position).toEqual([1, 1]);
    expect((error as Error).message).toMatch(/id 7 at position \[1, 1\] is outside \[0, 5\)/);
    expect(memory()).toMatchObject({ handles: before.handles, tensors: before.tensors });
    expect(() => e.forward(ids([-1]))).toThrow(/id -1 at position \[0\]/);
    expect(() => e.forward(tensor([1, 2]))).toThrow(DTypeError);
    e.dispose();
  });

  it('validate: false skips the check; checkIds validates asynchronously', async () => {
    const e = new Embedding(5, 2, { seed: 3, validate: false });
    const y = e.forward(ids([1, 9]));
    expect(rowOf(y, 0, 2)).toEqual(rowOf(e.weight.value, 1, 2));
    await expect(e.checkIds(ids([1, 9]))).rejects.toThrow(IndexOutOfRangeError);
    await expect(e.checkIds(ids([1, 4]))).resolves.toBeUndefined();
    e.dispose();
  });

  it('gradients accumulate over repeated ids; the padding row gets exactly zero', () => {
    const e = new Embedding(4, 2, { paddingIdx: 0, seed: 4 });
    const upstream = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const tokenIds = [1, 0, 1, 3, 0];
    scope(() => {
      const y = e.forward(ids(tokenIds));
      const g = backward(sum(mul(y, tensor(upstream, [5, 2])))).get(e.weight.value)!;
      const expected = new Array(8).fill(0);
      tokenIds.forEach((id, k) => {
        if (id === 0) return;
        expected[id * 2] += upstream[k * 2]!;
        expected[id * 2 + 1] += upstream[k * 2 + 1]!;
      });
      expect(Array.from(g.dataSync())).toEqual(expected);
    });
    e.dispose();
  });

  it('a loaded non-zero padding row is returned as is (PyTorch) but still gets no gradient', () => {
    const e = new Embedding(3, 2, { paddingIdx: -1, seed: 5 });
    expect(e.paddingIdx).toBe(2);
    e.loadStateDict({ weight: tensor([[1, 2], [3, 4], [5, 6]]) });
    scope(() => {
      const y = e.forward(ids([2, 1]));
      expect(Array.from(y.dataSync())).toEqual([5, 6, 3, 4]);
      const g = backward(sum(y)).get(e.weight.value)!;
      expect(Array.from(g.dataSync())).toEqual([0, 0, 1, 1, 0, 0]);
    });
    expect(Array.from(noGrad(() => e.forward(ids([2]))).dataSync())).toEqual([5, 6]);
    e.dispose();
  });

  it.each([
    ['SGD with weight decay and momentum', (e: Embedding) => new SGD(e, { learningRate: 0.5, momentum: 0.9, weightDecay: 0.1 })],
    ['Adam', (e: Embedding) => new Adam(e, { learningRate: 0.1 })],
  ])('the padding row stays zero after optimizer steps (%s)', (_, make) => {
    const e = new Embedding(5, 3, { paddingIdx: 1, seed: 6 });
    const optimizer = make(e);
    const before = Array.from(e.weight.value.dataSync());
    for (let step = 0; step < 3; step++) {
      scope(() => {
        const loss = sum(mul(e.forward(ids([1, 2, 1, 4], [2, 2])), 3));
        optimizer.step(backward(loss));
      });
    }
    expect(rowOf(e.weight.value, 1, 3)).toEqual([0, 0, 0]);
    expect(rowOf(e.weight.value, 2, 3)).not.toEqual(before.slice(6, 9));
    optimizer.dispose();
    e.dispose();
  });

  it('rejects a bad paddingIdx', () => {
    expect(() => new Embedding(3, 2, { paddingIdx: 3 })).toThrow(ArgumentError);
    expect(() => new Embedding(3, 2, { paddingIdx: -4 })).toThrow(ArgumentError);
  });
});
