/**
 * Hostile saved classifiers and diverging training: typed errors, quickly, before
 * anything the metadata claims is allocated; labels that are JavaScript's special
 * property names stay ordinary labels.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, NonFiniteLossError, serializeSafetensors, parseSafetensors } from '@cellstate/nn';
import { CellstateError } from '@cellstate/tensor';
import { SentimentClassifier, SentimentError, sentimentParameterCount, type ClassifierJSON } from './classifier.js';
import { createMemoryCheckpointStore } from './memory-store.js';
import { SentimentModel, resolveModelConfig, type Pooling } from './model.js';
import { buildVocabulary, trainClassifier } from './train.js';
import { negationData, useCpu } from './test-setup.js';

let json: ClassifierJSON;
let weights: Uint8Array;

/** Loads, asserting a typed refusal within a second and 100 MB. */
async function refusal(j: unknown, w: Uint8Array = weights): Promise<CellstateError> {
  const before = process.memoryUsage();
  const started = performance.now();
  const e = await SentimentClassifier.load(j, w, 'hostile.json').then((c) => c.dispose(), (x: unknown) => x);
  expect(performance.now() - started).toBeLessThan(1000);
  const after = process.memoryUsage();
  expect(after.arrayBuffers - before.arrayBuffers + (after.heapUsed - before.heapUsed)).toBeLessThan(100e6);
  expect(CellstateError.isInstance(e), String(e)).toBe(true);
  expect((e as Error).message).toContain('hostile.json');
  return e as CellstateError;
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('hostile sentiment models', () => {
  beforeAll(async () => {
    await useCpu();
    const vocabulary = buildVocabulary(negationData(50).map((d) => d.text), { minFrequency: 1 });
    const clf = SentimentClassifier.create({ vocabulary, model: { embeddingDim: 6, hiddenSize: 5 } });
    json = clone(clf.toJSON());
    weights = await clf.encodeWeights();
    clf.dispose();
  });

  it('sentimentParameterCount is what the model allocates, for any architecture', () => {
    fc.assert(
      fc.property(
        fc.record({ vocabSize: fc.integer({ min: 1, max: 9 }), numLabels: fc.integer({ min: 2, max: 4 }), embeddingDim: fc.integer({ min: 1, max: 5 }), hiddenSize: fc.integer({ min: 1, max: 5 }), numLayers: fc.integer({ min: 1, max: 3 }), bidirectional: fc.boolean(), pooling: fc.subarray(['last', 'mean', 'max'] as Pooling[], { minLength: 1 }) }),
        (config) => {
          const model = new SentimentModel(config);
          expect(sentimentParameterCount(resolveModelConfig(config))).toBe(model.namedParameters().reduce((n, [, p]) => n + p.value.size, 0));
          model.dispose();
        },
      ),
      { numRuns: 40, seed: 19 },
    );
  });

  it('numLayers 10000 or a huge size is refused from the JSON, before any allocation', async () => {
    const j = clone(json);
    j.model.numLayers = 10_000;
    expect((await refusal(j)).message).toMatch(/'model\.numLayers'/);
    j.model.numLayers = 60;
    j.model.hiddenSize = 60_000;
    expect((await refusal(j)).message).toMatch(/describes \d+ parameters, but the weights file holds \d+/);
    j.model.hiddenSize = 1e300;
    expect((await refusal(j)).message).toMatch(/hiddenSize/);
  });

  it('a string where a list belongs is refused, not read character by character', async () => {
    for (const [path, value] of [['labels', 'negative'], ['preprocess.keepWords', 'not'], ['preprocess.keepPunctuation', '!?'], ['preprocess.stopWords', 'the']] as const) {
      const j = clone(json) as unknown as Record<string, Record<string, unknown>>;
      const [a, b] = path.split('.') as [string, string | undefined];
      if (b) j[a]![b] = value;
      else (j as Record<string, unknown>)[a] = value;
      expect((await refusal(j)).message).toContain(`'${path}'`);
    }
  });

  it('NaN weights are refused with the tensor name, unless allowNonFinite', async () => {
    const { tensors, metadata } = parseSafetensors(weights);
    const broken = new Map([...tensors].map(([n, t]) => [n, { dtype: 'F32' as const, shape: t.shape, data: n === 'classifier.bias' ? new Float32Array(t.data.length).fill(Number.NaN) : (t.data as Float32Array) }]));
    const bad = serializeSafetensors(broken, metadata);
    expect((await refusal(json, bad)).message).toMatch(/'classifier\.bias' holds NaN/);
    const loaded = await SentimentClassifier.load(json, bad, 'nan', { allowNonFinite: true });
    loaded.dispose();
  });

  it('labels named __proto__ and constructor stay in the probabilities and their JSON', async () => {
    const vocabulary = buildVocabulary(['a b c'], { minFrequency: 1 });
    const clf = SentimentClassifier.create({ vocabulary, labels: ['__proto__', 'constructor', 'toString'], model: { embeddingDim: 4, hiddenSize: 3 } });
    const [p] = await clf.predict(['a b']);
    expect(Object.keys(p!.probabilities)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.keys(JSON.parse(JSON.stringify(p!.probabilities)))).toEqual(['__proto__', 'constructor', 'toString']);
    const e = await clf.explain('a b');
    expect(Object.keys(e.influences[0]!.deltas)).toEqual(['__proto__', 'constructor', 'toString']);
    const again = await SentimentClassifier.load(clone(clf.toJSON()), await clf.encodeWeights(), 'proto');
    expect(again.labels).toEqual(['__proto__', 'constructor', 'toString']);
    again.dispose();
    clf.dispose();
  });

  it('fuzz: any value in any field of the JSON gives a classifier or a typed error naming the file, fast', async () => {
    const fields = ['labels', 'preprocess', 'model', 'vocabulary', 'info', 'model.vocabSize', 'model.numLabels', 'model.embeddingDim', 'model.hiddenSize', 'model.numLayers', 'model.pooling', 'model.bidirectional', 'preprocess.maxTokens', 'preprocess.stopWords', 'vocabulary.tokens'];
    const hostile = fc.oneof(fc.jsonValue(), fc.constantFrom(0, -1, 1e9, 2 ** 31, 1e300, 0.5, '', 'x', [], {}, null, ['__proto__']));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), hostile, async (field, value) => {
        const j = clone(json) as unknown as Record<string, unknown>;
        const [a, b] = field.split('.') as [string, string | undefined];
        if (b) (j[a] as Record<string, unknown>)[b] = value;
        else j[a] = value;
        const started = performance.now();
        try {
          (await SentimentClassifier.load(j, weights, 'fuzz.json')).dispose();
        } catch (e) {
          expect(e).toBeInstanceOf(SentimentError);
          expect((e as Error).message).toContain('fuzz.json');
        }
        expect(performance.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 200, seed: 19 },
    );
  });
});

describe('diverging training', () => {
  beforeAll(useCpu);

  it('stops with NonFiniteLossError naming the step and never saves a NaN model as the best one', async () => {
    const data = negationData(64);
    const vocabulary = buildVocabulary(data.map((d) => d.text), { minFrequency: 1 });
    const make = () => SentimentClassifier.create({ vocabulary, model: { embeddingDim: 6, hiddenSize: 5 } });
    const store = createMemoryCheckpointStore();
    const clf = make();
    const e = await trainClassifier(clf, data, data.slice(0, 16), { epochs: 3, learningRate: 1e30, clipGradNorm: Infinity, checkpoints: store }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NonFiniteLossError);
    expect((e as NonFiniteLossError).message).toMatch(/training step \d+/);
    expect(await store.load('best')).toBeNull();
    clf.dispose();
    // Skipping the updates: whatever is saved is finite, or saving is refused.
    const skipStore = createMemoryCheckpointStore();
    const other = make();
    const r = await trainClassifier(other, data, data.slice(0, 16), { epochs: 2, learningRate: 1e30, clipGradNorm: Infinity, checkpoints: skipStore, onNonFinite: 'skip' }).catch((x: unknown) => x);
    const best = await skipStore.load('best');
    if (best) for (const t of parseSafetensors(best).tensors.values()) expect(t.data.every(Number.isFinite)).toBe(true);
    if (r instanceof Error) expect((r as CheckpointError).code).toBe('non-finite');
    other.dispose();
  });
});
