// W7's batch file, built from a tiny in-test dataset (no ../shared/data), checked against
// @cellstate/sentiment's own encoding (SentimentClassifier.encode), batching
// (lengthBucketedBatches) and padding (makeBatch).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@cellstate/backend-cpu';
import {
  SentimentClassifier,
  buildVocabulary,
  classWeightsFor,
  lengthBucketedBatches,
  makeBatch,
  resolveModelConfig,
  resolvePreprocessOptions,
  seededRandom,
  type LabeledText,
} from '@cellstate/sentiment';
import { setBackend } from '@cellstate/tensor';
import { UNK_ID } from '@cellstate/text';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  balancedOrder,
  buildSentimentBatchFile,
  padBatch,
  readLabelledJsonl,
  sentimentBatches,
  sentimentStepFlops,
  type SentimentDataSpec,
  type ShippedModelJSON,
} from './sentiment-data.js';

const LABELS = ['negative', 'neutral', 'positive'];
const NOUNS = ['flight', 'crew', 'seat', 'bag', 'gate', 'pilot', 'lounge', 'meal'];
const GOOD = ['great', 'lovely', 'awesome', 'friendly'];
const BAD = ['late', 'rude', 'lost', 'terrible'];

/** Tweet-like texts of varied length (handles, urls, numbers, emoji, negations, stop-word-only ones). */
function tinyTweets(n: number): LabeledText[] {
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const out: LabeledText[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.06) {
      out.push({ text: 'the and of it was', label: 'neutral' }); // only stop words: encodes to []
      continue;
    }
    const words: string[] = ['@united'];
    const len = 1 + Math.floor(rnd() * 9);
    for (let k = 0; k < len; k++) words.push(rnd() < 0.5 ? pick(NOUNS) : rnd() < 0.5 ? pick(GOOD) : pick(BAD));
    if (rnd() < 0.3) words.push("didn't", 'arrive');
    if (rnd() < 0.2) words.push(`${Math.floor(rnd() * 90)} hours`, 'http://t.co/x');
    if (rnd() < 0.2) words.push('😡🏽', '!!');
    if (rnd() < 0.1) words.push(`zz${i}`); // rare word: <unk>
    out.push({ text: words.join(' '), label: r < 0.5 ? 'negative' : r < 0.75 ? 'neutral' : 'positive' });
  }
  return out;
}

const train = tinyTweets(150);
const spec: SentimentDataSpec = { batchSize: 4, batches: 6, seed: 1, epoch: 1 };
const vocabulary = buildVocabulary(train.map((t) => t.text));
const modelJSON: ShippedModelJSON = {
  labels: LABELS,
  preprocess: resolvePreprocessOptions(),
  model: resolveModelConfig({ vocabSize: vocabulary.size, numLabels: 3, embeddingDim: 8, hiddenSize: 4 }),
  vocabulary: vocabulary.toJSON(),
};
const file = buildSentimentBatchFile('W7-test', train, modelJSON, spec, { data: 'tiny', model: 'tiny' });
let clf: SentimentClassifier;

beforeAll(async () => {
  await setBackend('cpu');
  clf = SentimentClassifier.create({ labels: LABELS, vocabulary, preprocess: modelJSON.preprocess, model: { embeddingDim: 8, hiddenSize: 4 } });
});

describe('W7 sentiment batch file', () => {
  it('encodes every text exactly as SentimentClassifier.encode does, with its label index', () => {
    expect(file.batches).toHaveLength(spec.batches);
    for (const b of file.batches) {
      expect(b.examples).toHaveLength(spec.batchSize);
      b.examples.forEach((i, k) => {
        expect(b.ids[k]).toEqual(clf.encode(train[i]!.text).ids);
        expect(b.labels[k]).toBe(clf.labelIndex(train[i]!.label));
      });
    }
    expect(file.vocabSize).toBe(vocabulary.size);
    expect(file.modelConfig).toMatchObject({ vocabSize: vocabulary.size, numLabels: 3, embeddingDim: 8, hiddenSize: 4, bidirectional: true, pooling: ['mean', 'max'] });
  });

  it('pads and measures every batch as makeBatch does (time-major there, batch-major here)', async () => {
    for (const b of file.batches) {
      const mb = makeBatch(b.ids);
      const [T, B] = mb.ids.shape as [number, number];
      expect(b.T).toBe(T);
      expect(b.lengths).toEqual(Array.from(mb.lengths));
      const data = Array.from(await mb.ids.data());
      expect(b.padded).toEqual(Array.from({ length: B }, (_, i) => Array.from({ length: T }, (__, t) => data[t * B + i])));
      mb.ids.dispose();
    }
  });

  it('pads an empty text as one <unk>, like makeBatch', async () => {
    const ids = [[], [5, 6, 7], [9]];
    const mine = padBatch(ids);
    const mb = makeBatch(ids);
    expect(mine.lengths).toEqual(Array.from(mb.lengths));
    expect(mine.lengths).toEqual([1, 3, 1]);
    expect(mine.padded).toEqual([[UNK_ID, 0, 0], [5, 6, 7], [9, 0, 0]]);
    const data = Array.from(await mb.ids.data());
    expect(mine.padded.flatMap((row, i) => row.map((_, t) => data[t * 3 + i]))).toEqual(mine.padded.flat());
    mb.ids.dispose();
  });

  it("takes whole batches of trainClassifier's epoch (lengthBucketedBatches, seed * 1000 + epoch), each once", () => {
    const epoch = lengthBucketedBatches(train.map((t) => clf.encode(t.text).ids.length), spec.batchSize, seededRandom(spec.seed * 1000 + spec.epoch));
    expect(file.epochBatches).toBe(epoch.length);
    for (const b of file.batches) expect(b.examples).toEqual(epoch[b.epochIndex]);
    expect(new Set(file.batches.map((b) => b.epochIndex)).size).toBe(spec.batches);
  });

  it("carries trainClassifier's √(balanced) class weights", () => {
    const counts = LABELS.map((l) => train.filter((t) => t.label === l).length);
    expect(file.classWeights).toEqual(classWeightsFor(counts, 'sqrt'));
  });

  it('orders the batches so that the timed steps centre on the median batch', () => {
    const c = Array.from({ length: 20 }, (_, i) => i);
    expect(balancedOrder(c)).toEqual([0, 9, 10, 8, 11, 7, 12, 6, 13, 5, 14, 4, 15, 3, 16, 2, 17, 1, 18, 19]);
    for (const n of [3, 4, 5, 6, 7, 30]) expect([...balancedOrder(Array.from({ length: n }, (_, i) => i))].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    const cost = (b: (typeof file.batches)[number]) => b.T * 1e6 + b.lengths.reduce((x, y) => x + y, 0);
    const costs = file.batches.map(cost);
    expect(costs[0]).toBe(Math.min(...costs));
  });

  it('counts useful flops as 3 × (LSTM gates per real token per direction + dense head)', () => {
    const cfg = resolveModelConfig({ vocabSize: 10, numLabels: 3 });
    // E 100, H 64, 2 directions, 5 real tokens; head 256 -> 3 for 2 texts.
    expect(sentimentStepFlops(cfg, { lengths: [3, 2] })).toBe(3 * (2 * 4 * 64 * (100 + 64) * 5 * 2 + 2 * 256 * 3 * 2));
  });

  it('reads a cached file with the same spec without touching the data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'w7-'));
    writeFileSync(join(dir, 'W7-batches.json'), JSON.stringify(file));
    expect(sentimentBatches('W7', spec, dir)).toEqual(file);
  });

  it('reads JSON Lines as the app does: blank and malformed lines and unknown labels skipped, labels trimmed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'w7-'));
    const p = join(dir, 'train.jsonl');
    writeFileSync(p, ['{"text":"good crew","label":" positive "}', '', 'not json', '{"text":"meh","label":"postive"}', '{"text":"late","label":"negative"}\r', '{"label":"neutral"}'].join('\n'));
    expect(readLabelledJsonl(p, LABELS)).toEqual([
      { text: 'good crew', label: 'positive' },
      { text: 'late', label: 'negative' },
    ]);
  });
});
