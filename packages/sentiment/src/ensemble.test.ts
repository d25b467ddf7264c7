import { beforeAll, describe, expect, it } from 'vitest';
import { SentimentClassifier } from './classifier.js';
import { SentimentEnsemble } from './ensemble.js';
import { buildVocabulary } from './index.js';
import { negationData, useCpu } from './test-setup.js';
import { trainClassifier } from './train.js';

describe('SentimentEnsemble', () => {
  beforeAll(useCpu);
  const data = negationData(200, 7);
  const vocabulary = buildVocabulary(data.map((d) => d.text), { minFrequency: 1 });
  const make = async (seed: number) => {
    const c = SentimentClassifier.create({ vocabulary, model: { embeddingDim: 8, hiddenSize: 6, seed } });
    await trainClassifier(c, data, negationData(40, 8), { epochs: 2, batchSize: 16, learningRate: 0.02, seed });
    return c;
  };
  const texts = ['the food was not good', 'the crew was awful', 'the seat was there today', 'the trip was lovely'];

  it('probabilities are the mean of the members\'; the label is their argmax; evaluate agrees', async () => {
    const [a, b] = [await make(1), await make(2)];
    const ens = new SentimentEnsemble([a, b]);
    const [pa, pb, pe] = [await a.predict(texts), await b.predict(texts), await ens.predict(texts)];
    texts.forEach((_, i) => {
      for (const l of a.labels) expect(pe[i]!.probabilities[l]).toBeCloseTo((pa[i]!.probabilities[l]! + pb[i]!.probabilities[l]!) / 2, 7);
      const best = a.labels.reduce((x, y) => (pe[i]!.probabilities[y]! > pe[i]!.probabilities[x]! ? y : x));
      expect(pe[i]!.label).toBe(best);
    });
    const examples = negationData(50, 9);
    const report = await ens.evaluate(examples);
    const labelled = await ens.predict(examples.map((e) => e.text));
    expect(report.accuracy).toBeCloseTo(labelled.filter((p, i) => p.label === examples[i]!.label).length / examples.length, 10);
    ens.dispose();
  });

  it('explain: a word\'s weight is the change of the ensemble\'s probability when it is dropped', async () => {
    const ens = new SentimentEnsemble([await make(3), await make(4)]);
    const text = 'the food was not good';
    const ex = await ens.explain(text);
    expect(ex.influences.map((i) => i.token)).toEqual(ex.tokens);
    const full = (await ens.predict([text]))[0]!.probabilities[ex.label]!;
    for (let k = 0; k < ex.tokens.length; k++) {
      const without = ex.tokens.filter((_, j) => j !== k).join(' ');
      const p = (await ens.predict([without]))[0]!.probabilities[ex.label]!;
      expect(ex.influences[k]!.weight).toBeCloseTo(full - p, 5);
    }
    ens.dispose();
  });

  it('members with other labels or other preprocessing are refused, naming the member', async () => {
    const a = SentimentClassifier.create({ vocabulary, model: { embeddingDim: 4, hiddenSize: 4 } });
    const b = SentimentClassifier.create({ vocabulary, labels: ['negative', 'positive'], model: { embeddingDim: 4, hiddenSize: 4 } });
    const c = SentimentClassifier.create({ vocabulary, preprocess: { removeStopWords: false }, model: { embeddingDim: 4, hiddenSize: 4 } });
    expect(() => new SentimentEnsemble([a, b])).toThrow(/member 2 has the labels \["negative","positive"\]/);
    expect(() => new SentimentEnsemble([a, c])).toThrow(/member 2 preprocesses text differently from member 1 \(removeStopWords: true vs false\)/);
    expect(() => new SentimentEnsemble([])).toThrow(/at least one/);
    for (const m of [a, b, c]) m.dispose();
  });
});
