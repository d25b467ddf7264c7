// The web page's training pieces in Node: TSV parsing, the demo set, prepareTraining,
// and the training module run in a worker thread through @cellstate/worker (the same
// module the page's Web Worker serves), with the page's way of loading the weights.
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeInto } from '@cellstate/nn';
import { Seq2Seq } from '@cellstate/seq2seq';
import { readMany } from '@cellstate/tensor';
import { startNodeTraining } from '@cellstate/worker/node';
import type { TrainingProgress } from '@cellstate/worker';
import { selectBackend } from '../cli/backend.js';
import { demoPairs, parseTsv, prepareTraining, toTsv, type WebTrainingOptions } from './training-data.js';
import { epochBatches, scoreHeldOut } from './training.js';

const trainingModule = new URL('./training.ts', import.meta.url);

describe('web training data', () => {
  it('parseTsv reads source<TAB>target lines: CRLF, BOM, blank lines and extra columns; reports lines it leaves out', () => {
    const text = '\uFEFFone red cat\tun chat rouge\r\n\n  \nno tab here\ntwo dogs\tdeux chiens\textra\n\tempty source\nx\t \n';
    expect(parseTsv(text)).toEqual({
      pairs: [
        { source: 'one red cat', target: 'un chat rouge' },
        { source: 'two dogs', target: 'deux chiens' },
      ],
      skipped: [4, 6, 7],
    });
    expect(parseTsv('')).toEqual({ pairs: [], skipped: [] });
    const pairs = demoPairs(10);
    expect(parseTsv(toTsv(pairs)).pairs).toEqual(pairs);
  });

  it('the demo set: every one-phrase sentence plus distinct two-phrase ones, deterministic; French reorders and agrees', () => {
    const pairs = demoPairs();
    expect(pairs.length).toBe(400);
    expect(new Set(pairs.map((p) => p.source)).size).toBe(400);
    expect(demoPairs()).toEqual(pairs);
    expect(pairs).toContainEqual({ source: 'two red cats', target: 'deux chats rouges' });
    expect(pairs).toContainEqual({ source: 'one white horse', target: 'un cheval blanc' });
    expect(pairs).toContainEqual({ source: 'five blue birds', target: 'cinq oiseaux bleus' });
    expect(pairs.filter((p) => p.source.includes(' and ')).every((p) => p.target.split(' ').length === 7)).toBe(true);
  });

  it('prepareTraining is deterministic, holds out a disjoint sample, and refuses unusable options', () => {
    const options: WebTrainingOptions = { pairs: demoPairs(), sourceLanguage: 'en', targetLanguage: 'fr', steps: 10, batchSize: 32, hiddenSize: 64, learningRate: 0.01 };
    const a = prepareTraining(options);
    const b = prepareTraining(structuredClone(options));
    expect(b.sourceVocabulary.tokens).toEqual(a.sourceVocabulary.tokens);
    expect(b.targetVocabulary.tokens).toEqual(a.targetVocabulary.tokens);
    expect(b.heldOut.map((p) => p.source)).toEqual(a.heldOut.map((p) => p.source));
    expect(b.config).toEqual(a.config);
    expect(a.heldOut.length).toBe(24);
    expect(a.train.length).toBe(376);
    expect(a.stepsPerEpoch).toBe(12);
    const trained = new Set(a.trainText.map((p) => p.source));
    expect(a.heldOut.some((p) => trained.has(p.source))).toBe(false);
    expect(a.config).toMatchObject({ hiddenSize: 64, embeddingSize: 32, attention: 'dot', dropout: 0, sourceVocabSize: a.sourceVocabulary.size });
    expect(epochBatches(376, 32, 1, 0).flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 376 }, (_, i) => i));
    // Tiny data: no held-out pairs, the batch shrinks to the data.
    const tiny = prepareTraining({ ...options, pairs: demoPairs(0).slice(0, 3) });
    expect(tiny.heldOut.length).toBe(0);
    expect(tiny.batchSize).toBe(3);
    expect(() => prepareTraining({ ...options, pairs: [] })).toThrow(/no sentence pairs/);
    expect(() => prepareTraining({ ...options, pairs: [{ source: 'a '.repeat(30), target: 'b' }] })).toThrow(/more than 20 tokens/);
    expect(() => prepareTraining({ ...options, steps: 0 })).toThrow(/steps must be an integer/);
    expect(() => prepareTraining({ ...options, hiddenSize: 2.5 })).toThrow(/hiddenSize/);
    expect(() => prepareTraining({ ...options, learningRate: Number.NaN })).toThrow(/learningRate/);
  });
});

describe('the web training module in a worker thread', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  const options: WebTrainingOptions = { pairs: demoPairs(), sourceLanguage: 'en', targetLanguage: 'fr', steps: 24, batchSize: 32, hiddenSize: 32, learningRate: 0.01 };

  async function weightsOf(bytes: Uint8Array): Promise<{ model: Seq2Seq; values: Float32Array[] }> {
    const model = new Seq2Seq(prepareTraining(options).config);
    await decodeInto(model, bytes);
    model.eval();
    return { model, values: (await readMany(model.parameters().map((p) => p.value))) as Float32Array[] };
  }

  it('trains with progress, loss and held-out metrics; the page rebuilds the model from the checkpoint; a resumed run ends with the same weights', async () => {
    const progress: TrainingProgress[] = [];
    const logs: string[] = [];
    const checkpoints: { step: number; bytes: Uint8Array }[] = [];
    const session = startNodeTraining({ module: trainingModule, options, checkpointEvery: 12, progressIntervalMs: 0 });
    session.on('progress', (p) => progress.push(p));
    session.on('log', (l) => logs.push(l));
    session.on('checkpoint', (c) => checkpoints.push(c));
    const result = await session.done;
    expect(result).toMatchObject({ status: 'completed', steps: 24 });
    expect(logs[0]).toMatch(/376 training pairs, 24 held out; vocabularies \d+ \/ \d+; [\d,]+ parameters; 12 steps per epoch of 32 pairs/);
    expect(progress.map((p) => p.step)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(progress[0]!.epoch).toBe(1);
    expect(progress.at(-1)!.epoch).toBe(2);
    expect(progress.at(-1)!.loss).toBeLessThan(progress[0]!.loss);
    expect(progress.at(-1)!.metrics.perplexity).toBeCloseTo(Math.exp(progress.at(-1)!.loss), 6);
    // Held-out scores come at the last step (epochs are 12 steps: the first evaluation is due after ~50).
    expect(progress[11]!.metrics.heldOutAccuracy).toBeUndefined();
    expect(result.metrics.heldOutAccuracy).toBeGreaterThanOrEqual(0);
    expect(result.metrics.heldOutBleu).toBeGreaterThanOrEqual(0);
    expect(checkpoints.map((c) => c.step)).toEqual([12, 24]);

    // The page's way: the same config from prepareTraining, then the checkpoint's weights.
    const final = await weightsOf(result.checkpoint!.bytes);
    const scores = await scoreHeldOut(final.model, prepareTraining(options));
    expect(scores!.accuracy).toBeCloseTo(result.metrics.heldOutAccuracy!, 9);
    expect(scores!.bleu).toBeCloseTo(result.metrics.heldOutBleu!, 9);

    // Resume from the step-12 checkpoint: the same data order and Adam state give the same
    // end (up to float rounding: the CPU backend's threaded kernels may sum in another order).
    const resumed = await startNodeTraining({ module: trainingModule, options, resumeFrom: checkpoints[0]!.bytes }).done;
    expect(resumed.steps).toBe(24);
    const other = await weightsOf(resumed.checkpoint!.bytes);
    let maxDiff = 0;
    other.values.forEach((v, i) => v.forEach((x, j) => (maxDiff = Math.max(maxDiff, Math.abs(x - final.values[i]![j]!)))));
    expect(maxDiff).toBeLessThan(1e-5);
    final.model.dispose();
    other.model.dispose();
  }, 120_000);
});
