import { beforeAll, describe, expect, it } from 'vitest';
import { SentimentClassifier } from './classifier.js';
import { buildVocabulary } from './index.js';
import { negationData, useCpu } from './test-setup.js';
import { initFromClassifier } from './transfer.js';
import { trainClassifier } from './train.js';

describe('initFromClassifier (fine-tuning from a trained model)', () => {
  beforeAll(useCpu);

  const model = { embeddingDim: 8, hiddenSize: 6, dropout: 0, embeddingDropout: 0 };

  it('a target with another vocabulary predicts like the source on shared words; its own words keep their vectors', async () => {
    const data = negationData(300, 3);
    const source = SentimentClassifier.create({ vocabulary: buildVocabulary(data.map((d) => d.text), { minFrequency: 1 }), model });
    await trainClassifier(source, data, negationData(60, 4), { epochs: 3, batchSize: 16, learningRate: 0.02 });
    // Another corpus: shares the food/flight sentences, adds words the source never saw.
    const other = [...data.slice(0, 100).map((d) => d.text), 'the popcorn was stale', 'a splendid score'];
    const target = SentimentClassifier.create({ vocabulary: buildVocabulary(other, { minFrequency: 1 }), model: { ...model, seed: 9 } });
    const popcorn = target.vocabulary.encode(['popcorn'])[0]!;
    const before = Float32Array.from((await target.model.embedding.weight.value.data()) as Float32Array);

    const r = await initFromClassifier(target, source);
    expect(r.classifierCopied).toBe(true);
    expect(r.lstmTensors).toEqual(['lstm.weight_ih_l0', 'lstm.weight_hh_l0', 'lstm.bias_ih_l0', 'lstm.bias_hh_l0', 'lstm.weight_ih_l0_reverse', 'lstm.weight_hh_l0_reverse', 'lstm.bias_ih_l0_reverse', 'lstm.bias_hh_l0_reverse'].filter((n) => source.model.namedParameters().some(([m]) => m === n)));
    const words = target.vocabulary.tokens.filter((w) => !w.startsWith('<'));
    expect(r.matched).toBe(words.filter((w) => source.vocabulary.has(w)).length);
    expect(words.filter((w) => !source.vocabulary.has(w)).sort()).toEqual(['popcorn', 'score', 'splendid', 'stale']);
    const texts = ['the food was not good', 'the crew was awful', 'the seat was there today'];
    const [ps, pt] = [await source.predict(texts), await target.predict(texts)];
    for (let i = 0; i < texts.length; i++) {
      for (const l of source.labels) expect(pt[i]!.probabilities[l]).toBeCloseTo(ps[i]!.probabilities[l]!, 6);
    }
    const after = (await target.model.embedding.weight.value.data()) as Float32Array;
    const E = model.embeddingDim;
    expect(Array.from(after.subarray(popcorn * E, (popcorn + 1) * E))).toEqual(Array.from(before.subarray(popcorn * E, (popcorn + 1) * E)));
    source.dispose();
    target.dispose();
  });

  it('other labels: the LSTM is copied, the output layer starts fresh', async () => {
    const texts = negationData(50, 5).map((d) => d.text);
    const source = SentimentClassifier.create({ vocabulary: buildVocabulary(texts, { minFrequency: 1 }), model });
    const target = SentimentClassifier.create({ vocabulary: buildVocabulary(texts, { minFrequency: 1 }), labels: ['negative', 'positive'], model: { ...model, seed: 4 } });
    const head = Array.from((await target.model.classifier.weight.value.data()) as Float32Array);
    const r = await initFromClassifier(target, source);
    expect(r.classifierCopied).toBe(false);
    expect(Array.from((await target.model.classifier.weight.value.data()) as Float32Array)).toEqual(head);
    expect(Array.from((await target.model.lstm.namedParameters()[0]![1].value.data()) as Float32Array)).toEqual(Array.from((await source.model.lstm.namedParameters()[0]![1].value.data()) as Float32Array));
    source.dispose();
    target.dispose();
  });

  it('a different architecture is a SentimentError naming the field and both values', async () => {
    const vocabulary = buildVocabulary(['a b c'], { minFrequency: 1 });
    const source = SentimentClassifier.create({ vocabulary, model });
    const target = SentimentClassifier.create({ vocabulary, model: { ...model, hiddenSize: 7 } });
    await expect(initFromClassifier(target, source)).rejects.toThrow(/differ in hiddenSize: the source has 6, the target 7/);
    source.dispose();
    target.dispose();
  });
});
