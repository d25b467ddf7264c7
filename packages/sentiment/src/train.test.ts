import { beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors } from '@cellstate/nn';
import { memory } from '@cellstate/tensor';
import { SentimentClassifier, SentimentError } from './classifier.js';
import { createMemoryCheckpointStore } from './memory-store.js';
import { buildVocabulary, classWeightsFor, trainClassifier } from './train.js';
import { negationData, useCpu } from './test-setup.js';

const tiny = { embeddingDim: 16, hiddenSize: 16, dropout: 0.1, embeddingDropout: 0, seed: 2 };

describe('training a tiny classifier', () => {
  beforeAll(useCpu);
  const train = negationData(600, 1);
  const valid = negationData(120, 2);

  let clf: SentimentClassifier;
  it('learns negation: "not good" and "good" get different labels', async () => {
    clf = SentimentClassifier.create({ vocabulary: buildVocabulary(train.map((t) => t.text), { minFrequency: 1 }), model: tiny });
    const result = await trainClassifier(clf, train, valid, { epochs: 12, batchSize: 16, learningRate: 0.01, patience: 4 });
    expect(result.bestMacroF1).toBeGreaterThan(0.9);
    const [good, notGood, bad, notBad] = await clf.predict(['the food was good', 'the food was not good', 'the crew was awful', 'the crew was never awful']);
    expect(good!.label).toBe('positive');
    expect(notGood!.label).toBe('negative');
    expect(good!.label).not.toBe(notGood!.label);
    expect(bad!.label).toBe('negative');
    expect(notBad!.label).toBe('positive');
    const sum = Object.values(good!.probabilities).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
  });

  it('explains by occlusion: "not" pushes "not good" towards negative', async () => {
    const e = await clf.explain('the food was not good');
    expect(e.label).toBe('negative');
    expect(e.influences.map((i) => i.token)).toEqual(['food', 'not', 'good']);
    const not = e.influences.find((i) => i.token === 'not')!;
    expect(not.weight).toBeGreaterThan(0.2);
    expect(not.deltas.negative).toBeCloseTo(not.weight, 6);
  });

  it('evaluates, saves as float16 and loads back with the same predictions', async () => {
    const report = await clf.evaluate(valid);
    expect(report.accuracy).toBeGreaterThan(0.9);
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(valid.length);
    const weights = await clf.encodeWeights();
    const f32 = await clf.encodeWeights({ dtype: 'F32' });
    expect(weights.length).toBeLessThan(f32.length * 0.55);
    const again = await SentimentClassifier.load(JSON.parse(JSON.stringify(clf.toJSON())), weights);
    const texts = valid.slice(0, 20).map((v) => v.text);
    const [a, b] = [await clf.predict(texts), await again.predict(texts)];
    a.forEach((p, i) => {
      expect(b[i]!.label).toBe(p.label);
      for (const l of clf.labels) expect(Math.abs(b[i]!.probabilities[l]! - p.probabilities[l]!)).toBeLessThan(5e-3);
    });
    await expect(SentimentClassifier.load({ format: 'other' }, weights, 'x.json')).rejects.toThrow(/x\.json: not a cellstate sentiment model/);
    again.dispose();
  });

  it("saves as int8 ('Q8': the embedding and LSTM matrices big enough, a scale per row) and loads back with the same predictions", async () => {
    const q8 = await clf.encodeWeights({ dtype: 'Q8' });
    const { tensors, metadata } = parseSafetensors(q8);
    const quantized = JSON.parse(metadata['cellstate.quantized']!) as string[];
    const big = clf.model.namedParameters().filter(([n, p]) => (n === 'embedding.weight' || n.startsWith('lstm.weight_')) && p.shape[0]! * p.shape[1]! >= 1024).map(([n]) => n);
    expect(big.length).toBeGreaterThan(0);
    expect(quantized).toEqual(big);
    for (const [name, t] of tensors) expect(t.dtype).toBe(quantized.includes(name) ? 'I8' : name.endsWith('.q8_scale') ? 'F32' : 'F16');
    expect(q8.length).toBeLessThan((await clf.encodeWeights()).length);
    const again = await SentimentClassifier.load(JSON.parse(JSON.stringify(clf.toJSON())), q8, 'q8');
    const texts = valid.slice(0, 20).map((v) => v.text);
    const [a, b] = [await clf.predict(texts), await again.predict(texts)];
    a.forEach((p, i) => {
      expect(b[i]!.label).toBe(p.label);
      for (const l of clf.labels) expect(Math.abs(b[i]!.probabilities[l]! - p.probabilities[l]!)).toBeLessThan(2e-2);
    });
    again.dispose();
  });

  it('odd inputs: empty, emoji-only, unknown words, 100,000 characters', async () => {
    const [empty, emoji, unknown, long] = await clf.predict(['', '😀😀😀', 'zzqx blorp', 'good '.repeat(20_000)]);
    expect(empty!.warnings.join()).toMatch(/no words left/);
    expect(Object.keys(emoji!.probabilities)).toEqual(['negative', 'neutral', 'positive']);
    expect(unknown!.warnings.join()).toMatch(/none of the words is in the vocabulary/);
    expect(long!.warnings.join()).toMatch(/truncated/);
    expect(long!.tokens).toHaveLength(200);
  });

  it('unknown labels are reported with the example number before training', async () => {
    await expect(trainClassifier(clf, [...train.slice(0, 5), { text: 'x', label: 'postive' }], valid)).rejects.toThrow(SentimentError);
    await expect(trainClassifier(clf, [...train.slice(0, 5), { text: 'x', label: 'postive' }], valid)).rejects.toThrow(/training example 6: unknown label "postive"/);
    clf.dispose();
  });

  it('checkpoints after each epoch and resumes where it stopped', async () => {
    const store = createMemoryCheckpointStore();
    const make = () => SentimentClassifier.create({ vocabulary: buildVocabulary(train.map((t) => t.text), { minFrequency: 1 }), model: tiny });
    const first = make();
    const r1 = await trainClassifier(first, train.slice(0, 200), valid, { epochs: 2, batchSize: 32, checkpoints: store, patience: 10 });
    expect(r1.history).toHaveLength(2);
    expect(store.saved.has('last') && store.saved.has('best')).toBe(true);
    first.dispose();
    const second = make();
    const before = memory();
    const r2 = await trainClassifier(second, train.slice(0, 200), valid, { epochs: 3, batchSize: 32, checkpoints: store, resume: true, patience: 10 });
    expect(r2.resumedFromEpoch).toBe(2);
    expect(r2.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(r2.history.slice(0, 2)).toEqual(r1.history.map((h) => ({ ...h })));
    expect(memory().tensors).toBeLessThanOrEqual(before.tensors + 2);
    second.dispose();
    const other = SentimentClassifier.create({ vocabulary: buildVocabulary(train.slice(0, 50).map((t) => t.text), { minFrequency: 1 }), model: tiny });
    await expect(trainClassifier(other, train.slice(0, 50), valid, { epochs: 3, checkpoints: store, resume: true })).rejects.toThrow(/cannot resume/);
    other.dispose();
  });

  it('a resumed run ends exactly where the uninterrupted one does: every dropout continues its masks', async () => {
    // Dropout on the word vectors, between the two LSTM layers and on the pooled vector:
    // each stream's position must come back from the checkpoint, or epoch 3 of the
    // resumed run replays epoch 1's masks and ends with other weights.
    const model = { ...tiny, numLayers: 2, embeddingDropout: 0.2, dropout: 0.3 };
    const vocabulary = buildVocabulary(train.map((t) => t.text), { minFrequency: 1 });
    const make = () => SentimentClassifier.create({ vocabulary, model });
    const data = train.slice(0, 160);
    const check = valid.slice(0, 40);
    const options = { batchSize: 32, learningRate: 0.01, patience: 10 };

    const wholeStore = createMemoryCheckpointStore();
    const whole = make();
    const uninterrupted = await trainClassifier(whole, data, check, { ...options, epochs: 3, checkpoints: wholeStore });

    const store = createMemoryCheckpointStore();
    const first = make();
    // Stopped (as by Ctrl-C) three steps into epoch 3: that partial epoch must not count.
    const stop = new AbortController();
    const cut = await trainClassifier(first, data, check, { ...options, epochs: 3, checkpoints: store, signal: stop.signal, onStep: ({ epoch, step }) => epoch === 3 && step === 3 && stop.abort() });
    expect(cut.interrupted).toBe(true);
    expect(cut.history.map((h) => h.epoch)).toEqual([1, 2]);
    first.dispose();
    const second = make(); // as after a restart: fresh model, dropout counters at 0
    const resumed = await trainClassifier(second, data, check, { ...options, epochs: 3, checkpoints: store, resume: true });
    expect(resumed.resumedFromEpoch).toBe(2);

    // The state after epoch 3 (weights, Adam moments, dropout positions) is bitwise the same.
    const a = parseSafetensors(wholeStore.saved.get('last')!);
    const b = parseSafetensors(store.saved.get('last')!);
    expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
    for (const [name, t] of a.tensors) expect(Array.from(b.tensors.get(name)!.data), name).toEqual(Array.from(t.data));
    expect(JSON.parse(b.metadata.random!)).toEqual(JSON.parse(a.metadata.random!));
    expect(Object.keys(JSON.parse(a.metadata.random!))).toEqual(['embedding_dropout', 'lstm', 'dropout']);
    const withoutTime = (r: typeof resumed) => r.history.map(({ seconds: _s, ...h }) => h);
    expect(withoutTime(resumed)).toEqual(withoutTime(uninterrupted));
    expect(resumed.bestEpoch).toBe(uninterrupted.bestEpoch);
    expect(await second.encodeWeights({ dtype: 'F32' })).toEqual(await whole.encodeWeights({ dtype: 'F32' }));
    whole.dispose();
    second.dispose();
  });

  it('early stopping: stops after `patience` epochs without a better macro-F1', async () => {
    const c = SentimentClassifier.create({ vocabulary: buildVocabulary(train.map((t) => t.text), { minFrequency: 1 }), model: tiny });
    // learning rate 0: nothing improves after epoch 1
    const r = await trainClassifier(c, train.slice(0, 64), valid.slice(0, 32), { epochs: 10, learningRate: 0, patience: 2 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history).toHaveLength(3);
    expect(r.bestEpoch).toBe(1);
    c.dispose();
  });

  it('class weights', () => {
    expect(classWeightsFor([60, 30, 10], 'balanced').map((x) => +x.toFixed(4))).toEqual([0.2069, 0.4138, 1.2414].map((x) => +(x * 1).toFixed(4)).map((_, i) => +([1 / 60, 1 / 30, 1 / 10].map((v) => v / ((1 / 60 + 1 / 30 + 1 / 10) / 3))[i]!.toFixed(4))));
    const s = classWeightsFor([60, 30, 10], 'sqrt');
    expect(s[2]! / s[0]!).toBeCloseTo(Math.sqrt(6), 6);
  });
  it('distillation: soft targets drive the loss (a teacher that swaps negative and positive is learned), weight 0 is plain training', async () => {
    const small = negationData(240, 5);
    const vocabulary = buildVocabulary(small.map((t) => t.text), { minFrequency: 1 });
    const swap: Record<string, string> = { negative: 'positive', neutral: 'neutral', positive: 'negative' };
    // The teacher is sure of the swapped label: 0.9 on it, 0.05 on each other class.
    const teacher = small.map((t) => ['negative', 'neutral', 'positive'].map((l) => (l === swap[t.label] ? 0.9 : 0.05)));
    const student = SentimentClassifier.create({ vocabulary, model: tiny });
    const swappedValid = small.map((t) => ({ text: t.text, label: swap[t.label]! }));
    const r = await trainClassifier(student, small, swappedValid, { epochs: 12, batchSize: 16, learningRate: 0.01, patience: 4, softTargets: teacher, softTargetWeight: 1 });
    expect(r.bestMacroF1).toBeGreaterThan(0.9);
    const [good, notGood] = await student.predict(['the food was good', 'the food was not good']);
    expect([good!.label, notGood!.label]).toEqual(['negative', 'positive']);
    student.dispose();

    // Weight 0: the same weights as training without soft targets.
    const run = async (soft: boolean) => {
      const c = SentimentClassifier.create({ vocabulary, model: tiny });
      const h = await trainClassifier(c, small, small, { epochs: 2, batchSize: 16, learningRate: 0.01, ...(soft ? { softTargets: teacher, softTargetWeight: 0 } : {}) });
      const w = await c.encodeWeights({ dtype: 'F32' });
      c.dispose();
      return { loss: h.history.map((e) => e.trainLoss), w };
    };
    const [plain, zero] = [await run(false), await run(true)];
    expect(zero.loss).toEqual(plain.loss);
    expect(Buffer.from(zero.w).equals(Buffer.from(plain.w))).toBe(true);

    const c = SentimentClassifier.create({ vocabulary, model: tiny });
    await expect(trainClassifier(c, small, small, { softTargets: teacher.slice(1) })).rejects.toThrow(/softTargets has 239 entries for 240 training examples/);
    await expect(trainClassifier(c, small, small, { softTargets: teacher.map(() => [0.5, 0.5]) })).rejects.toThrow(/softTargets\[0\] must hold 3 probabilities/);
    c.dispose();
  });
});
