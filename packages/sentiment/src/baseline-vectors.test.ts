import { beforeAll, describe, expect, it } from 'vitest';
import { BagOfWordsClassifier } from './bow.js';
import { SentimentClassifier } from './classifier.js';
import { buildVocabulary } from './train.js';
import { applyWordVectors, formatWordVectors, parseWordVectors } from './vectors.js';
import { negationData, useCpu } from './test-setup.js';

describe('bag-of-words baseline', () => {
  beforeAll(useCpu);
  it('logistic regression on words and bigrams learns the tiny data (bigrams catch "not good")', async () => {
    const train = negationData(400, 3);
    const valid = negationData(100, 4);
    const bow = BagOfWordsClassifier.fit(train, { labels: ['negative', 'neutral', 'positive'] });
    expect(bow.features.has('not good')).toBe(true);
    const fit = await bow.train(train, valid, { epochs: 15, learningRate: 0.1 });
    expect(fit.bestMacroF1).toBeGreaterThan(0.85);
    const report = await bow.evaluate(valid);
    expect(report.accuracy).toBeGreaterThan(0.85);
    const [p] = await bow.predict(['the seat was not good']);
    expect(p!.label).toBe('negative');
    await expect(bow.evaluate([{ text: 'x', label: 'meh' }])).rejects.toThrow(/unknown label "meh"/);
    bow.dispose();
  });
});

describe('pretrained word vectors', () => {
  beforeAll(useCpu);
  it('reads GloVe and word2vec text formats, skips bad lines, reports matches', async () => {
    const glove = ['good 0.1 0.2 0.3 0.4', 'bad -0.1 -0.2 -0.3 -0.4', 'broken 0.1 0.2', 'Food 1 1 1 1', 'nan x 1 1 1'];
    const wv = parseWordVectors(glove);
    expect(wv.dim).toBe(4);
    expect([...wv.vectors.keys()]).toEqual(['good', 'bad', 'Food']);
    expect(wv.errors.map((e) => e.line)).toEqual([3, 5]);
    const w2v = parseWordVectors(['2 3', 'good 1 2 3', 'bad 4 5 6']);
    expect(w2v.dim).toBe(3);
    expect(Array.from(w2v.vectors.get('bad')!)).toEqual([4, 5, 6]);
    expect(() => parseWordVectors([''])).toThrow(/no vectors/);

    const vocabulary = buildVocabulary(['the food was good', 'the food was bad', 'crew rude crew rude'], { minFrequency: 1 });
    const clf = SentimentClassifier.create({ vocabulary, model: { embeddingDim: 4, hiddenSize: 3 } });
    const match = await applyWordVectors(clf, wv);
    expect(match).toMatchObject({ matched: 3, matchedLowercase: 1, vocabularyWords: vocabulary.size - 4 }); // good, bad, Food -> food
    expect(match.unmatchedExamples).toEqual(expect.arrayContaining(['crew', 'rude']));
    const row = (w: string) => Array.from(clf.model.embedding.weight.value.dataSync().slice(vocabulary.idOf(w) * 4, vocabulary.idOf(w) * 4 + 4));
    expect(row('good').map((x) => +x.toFixed(5))).toEqual([0.1, 0.2, 0.3, 0.4]);
    await expect(applyWordVectors(clf, w2v)).rejects.toThrow(/3 dimensions but the model's embedding has 4/);
    clf.dispose();
  });

  it('writes the learned vectors in GloVe format; another model with a different vocabulary reads them back', async () => {
    const source = SentimentClassifier.create({ vocabulary: buildVocabulary(['the food was good', 'the crew was rude'], { minFrequency: 1 }), model: { embeddingDim: 3, hiddenSize: 2, seed: 5 } });
    const lines = await formatWordVectors(source);
    expect(lines).toHaveLength(source.vocabulary.size - 4); // no <pad> <unk> <bos> <eos>
    expect(lines.every((l) => l.split(' ').length === 4)).toBe(true);
    const target = SentimentClassifier.create({ vocabulary: buildVocabulary(['good crew', 'unseen words'], { minFrequency: 1 }), model: { embeddingDim: 3, hiddenSize: 2, seed: 9 } });
    const match = await applyWordVectors(target, parseWordVectors(lines, { keep: (w) => target.vocabulary.has(w) }));
    expect(match.matched).toBe(2);
    const row = (c: SentimentClassifier, w: string) => Array.from(c.model.embedding.weight.value.dataSync().slice(c.vocabulary.idOf(w) * 3, c.vocabulary.idOf(w) * 3 + 3));
    for (const w of ['good', 'crew']) {
      const want = row(source, w);
      row(target, w).forEach((x, i) => expect(Math.abs(x - want[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]!)))); // 6 significant digits
    }
    expect(row(target, 'unseen')).not.toEqual(row(source, 'good'));
    source.dispose();
    target.dispose();
  });
});
