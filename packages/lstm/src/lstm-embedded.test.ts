import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { Embedding, IndexOutOfRangeError } from '@cellstate/nn';
import { ArgumentError, ShapeError, add, backward, memory, noGrad, scope, sum, tensor, type Tensor } from '@cellstate/tensor';
import { LSTM } from './lstm-layer.js';
import { expectClose as close } from '@cellstate/tensor/testing';
import { seeded, useBackend } from './test-setup.js';

const expectClose = (actual: Float32Array, expected: Float32Array, atol: number) => close(actual, expected, { atol, rtol: 0 });

describe('LSTM.forwardEmbedded (embedding folded into the input projection)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const V = 37;
  const E = 6;
  const H = 8;

  function setup(options: { batchFirst?: boolean; numLayers?: number } = {}) {
    const embedding = new Embedding(V, E, { paddingIdx: 0, seed: 3 });
    const lstm = new LSTM({ inputSize: E, hiddenSize: H, numLayers: options.numLayers ?? 2, bidirectional: true, batchFirst: options.batchFirst ?? false, seed: 5 });
    return { embedding, lstm };
  }

  function ids(T: number, B: number, seed: number): number[] {
    const r = seeded(seed);
    return r(T * B, 0, V).map((v) => Math.min(V - 1, Math.floor(v)));
  }

  for (const batchFirst of [false, true]) {
    it(`equals forward(embedding.forward(ids)) without gradients, with lengths${batchFirst ? ', batchFirst' : ''}`, () => {
      const { embedding, lstm } = setup({ batchFirst });
      const T = 7;
      const B = 5;
      const lengths = [7, 3, 5, 1, 6];
      const id = tensor(ids(T, B, 11), batchFirst ? [B, T] : [T, B], { dtype: 'int32' });
      const [folded, plain] = noGrad(() => {
        const a = lstm.forwardEmbedded(embedding, id, { lengths, fold: true });
        const b = lstm.forward(embedding.forward(id), { lengths });
        return [a, b];
      });
      for (const k of ['output', 'h', 'c'] as const) {
        expect(folded[k].shape).toEqual(plain[k].shape);
        expectClose(folded[k].dataSync() as Float32Array, plain[k].dataSync() as Float32Array, 2e-6);
      }
      for (const t of [id, folded.output, folded.h, folded.c, plain.output, plain.h, plain.c]) t.dispose();
      lstm.dispose();
      embedding.dispose();
    });
  }

  it('keeps its tables between calls, makes new ones when a weight is replaced, and frees them on dispose()', () => {
    const { embedding, lstm } = setup({ numLayers: 1 });
    const base = memory().bytesInUse;
    const id = tensor(ids(4, 3, 12), [4, 3], { dtype: 'int32' });
    const run = () =>
      noGrad(() => {
        const r = lstm.forwardEmbedded(embedding, id, { fold: true });
        const out = r.output.dataSync().slice() as Float32Array;
        for (const t of Object.values(r)) (t as Tensor).dispose();
        return out;
      });
    const first = run();
    const kept = memory().bytesInUse - base;
    // Two directions of [V, 4H] float32, plus the ids tensor.
    expect(kept).toBeGreaterThanOrEqual(2 * V * 4 * H * 4);
    expect(run()).toEqual(first);
    expect(memory().bytesInUse - base).toBe(kept);
    // A new embedding weight (what an optimizer step or a load does) must not be read from the old tables.
    embedding.weight.assign(scope(() => add(embedding.weight.value, 0.25)));
    const after = run();
    const expected = noGrad(() => scope(() => lstm.forward(embedding.forward(id)).output.dataSync().slice() as Float32Array));
    expectClose(after, expected, 2e-6);
    expect(Math.max(...after.map((v, i) => Math.abs(v - first[i]!)))).toBeGreaterThan(1e-3);
    expect(memory().bytesInUse - base).toBe(kept);
    id.dispose();
    lstm.dispose();
    expect(memory().bytesInUse).toBeLessThan(base);
    embedding.dispose();
  });

  it("fold: 'auto' folds once the tokens run unfolded reach the vocabulary size, and counts again after a weight is replaced; false never folds", () => {
    const { embedding, lstm } = setup({ numLayers: 1 });
    const id = tensor(ids(4, 3, 13), [4, 3], { dtype: 'int32' }); // 12 tokens a call, V = 37
    const base = memory().bytesInUse;
    const tableBytes = 2 * V * 4 * H * 4;
    const run = (fold?: boolean) =>
      noGrad(() => {
        const r = lstm.forwardEmbedded(embedding, id, fold === undefined ? {} : { fold });
        const out = r.output.dataSync().slice() as Float32Array;
        for (const t of Object.values(r)) (t as Tensor).dispose();
        return out;
      });
    const plain = noGrad(() => scope(() => lstm.forward(embedding.forward(id)).output.dataSync().slice() as Float32Array));
    for (let call = 1; call <= 3; call++) {
      expect(run()).toEqual(plain); // 12, 24, 36 tokens: still unfolded, bit for bit the plain path
      expect(memory().bytesInUse - base).toBe(0);
    }
    expectClose(run(), plain, 2e-6); // 48 >= 37: folded now
    expect(memory().bytesInUse - base).toBe(tableBytes);
    expect(run(false)).toEqual(plain);
    embedding.weight.assign(scope(() => add(embedding.weight.value, 0.25)));
    const plain2 = noGrad(() => scope(() => lstm.forward(embedding.forward(id)).output.dataSync().slice() as Float32Array));
    expect(run()).toEqual(plain2); // the count starts over: unfolded, and the stale tables are gone
    expect(memory().bytesInUse - base).toBe(0);
    id.dispose();
    lstm.dispose();
    embedding.dispose();
  });

  it('with gradients, composes the embedding and the layer: the embedding weight gets its gradient', () => {
    const { embedding, lstm } = setup({ numLayers: 1 });
    const id = tensor([1, 2, 3, 4, 0, 2], [3, 2], { dtype: 'int32' });
    scope(() => {
      const a = lstm.forwardEmbedded(embedding, id, { lengths: [3, 2] });
      const ga = backward(sum(a.output), { inputs: [embedding.weight.value] }).get(embedding.weight.value)!.dataSync();
      const b = lstm.forward(embedding.forward(id), { lengths: [3, 2] });
      const gb = backward(sum(b.output), { inputs: [embedding.weight.value] }).get(embedding.weight.value)!.dataSync();
      expect(Array.from(a.output.dataSync())).toEqual(Array.from(b.output.dataSync()));
      expect(Array.from(ga)).toEqual(Array.from(gb));
      expect(ga.some((v) => v !== 0)).toBe(true);
    });
    id.dispose();
    lstm.dispose();
    embedding.dispose();
  });

  it('names bad input: an embedding of another width, ids of the wrong rank, an id outside the table', () => {
    const { embedding, lstm } = setup({ numLayers: 1 });
    const narrow = new Embedding(V, E + 1);
    const good = tensor([1, 2], [1, 2], { dtype: 'int32' });
    const flat = tensor([1, 2], [2], { dtype: 'int32' });
    const outside = tensor([1, V], [1, 2], { dtype: 'int32' });
    noGrad(() => {
      expect(() => lstm.forwardEmbedded(narrow, good)).toThrow(ArgumentError);
      expect(() => lstm.forwardEmbedded(embedding, flat)).toThrow(ShapeError);
      expect(() => lstm.forwardEmbedded(embedding, flat)).toThrow(/ids must be \[T, B\]/);
      expect(() => lstm.forwardEmbedded(embedding, outside)).toThrow(IndexOutOfRangeError);
    });
    for (const t of [good, flat, outside]) t.dispose();
    for (const m of [narrow, embedding, lstm]) m.dispose();
  });
});
