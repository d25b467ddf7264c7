import { beforeAll, describe, expect, it } from 'vitest';
import { noGrad, scope, tensor } from '@cellstate/tensor';
import { makeBatch } from './batching.js';
import { SentimentModel, type Pooling } from './model.js';
import { useCpu } from './test-setup.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(tol);
};

describe('SentimentModel', () => {
  beforeAll(useCpu);

  it.each<[Pooling[], boolean]>([
    [['last'], true],
    [['mean'], true],
    [['max'], true],
    [['mean', 'max'], false],
    [['last', 'mean', 'max'], true],
  ])('pooling %j (bidirectional %s) ignores padding: a text alone = the same text in a padded batch', (pooling, bidirectional) => {
    const model = new SentimentModel({ vocabSize: 30, numLabels: 3, embeddingDim: 6, hiddenSize: 5, pooling, bidirectional, seed: 3 }).eval();
    const short = [5, 9, 2];
    const long = [7, 8, 11, 12, 13, 14, 15, 16];
    noGrad(() =>
      scope(() => {
        const alone = model.features(makeBatch([short])).dataSync();
        const padded = model.features(makeBatch([short, long])).dataSync();
        const F = model.featureSize;
        expect(alone.length).toBe(F);
        close(alone, padded.slice(0, F));
        const logits = model.forward(makeBatch([short, long]));
        expect(logits.shape).toEqual([2, 3]);
      }),
    );
    model.dispose();
  });

  it('max pooling takes the max over real steps only, even when every real output is negative', () => {
    const model = new SentimentModel({ vocabSize: 10, numLabels: 2, embeddingDim: 4, hiddenSize: 3, bidirectional: false, pooling: 'max', seed: 5 }).eval();
    noGrad(() =>
      scope(() => {
        const batch = makeBatch([[4, 5], [6, 7, 8, 9]]);
        const { output } = model.lstm.forward(model.embedding.forward(batch.ids), { lengths: Array.from(batch.lengths) });
        const out = output.dataSync(); // [T=4, B=2, H=3]
        const pooled = model.features(batch).dataSync();
        for (let h = 0; h < 3; h++) {
          expect(pooled[h]).toBeCloseTo(Math.max(out[0 * 6 + h]!, out[1 * 6 + h]!), 6); // sample 0: steps 0..1
          expect(pooled[3 + h]).toBeCloseTo(Math.max(...[0, 1, 2, 3].map((t) => out[t * 6 + 3 + h]!)), 6);
        }
        // mean divides by the real length, not T
        const meanModel = new SentimentModel({ vocabSize: 10, numLabels: 2, embeddingDim: 4, hiddenSize: 3, bidirectional: false, pooling: 'mean', seed: 5 }).eval();
        const mean = meanModel.features(batch).dataSync();
        for (let h = 0; h < 3; h++) expect(mean[h]).toBeCloseTo((out[h]! + out[6 + h]!) / 2, 6);
        meanModel.dispose();
      }),
    );
    model.dispose();
  });

  it('any number of labels; an empty text is one <unk> step', () => {
    const model = new SentimentModel({ vocabSize: 12, numLabels: 5, embeddingDim: 4, hiddenSize: 4, seed: 1 }).eval();
    noGrad(() =>
      scope(() => {
        const b = makeBatch([[], [4, 5]]);
        expect(Array.from(b.lengths)).toEqual([1, 2]);
        expect(model.forward(b).shape).toEqual([2, 5]);
        expect(() => model.forward({ ids: tensor([1, 0], [1, 2], { dtype: 'int32' }), lengths: [1, 0] })).toThrow(/every length/);
      }),
    );
    expect(() => new SentimentModel({ vocabSize: 12, numLabels: 1 })).toThrow(/numLabels/);
    expect(() => new SentimentModel({ vocabSize: 12, numLabels: 2, pooling: 'sum' as Pooling })).toThrow(/pooling/);
    model.dispose();
  });
});
