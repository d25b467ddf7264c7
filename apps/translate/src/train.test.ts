import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSeq2SeqModel } from '@cellstate/seq2seq';
import { readMany } from '@cellstate/tensor';
import { selectBackend } from './cli/backend.js';
import { BEST_FILE, exportRun } from './cli/run-directory.js';
import { learningRateAfter, train } from './cli/train.js';
import type { TrainOptions } from './cli/train-options.js';
import { writeTinyCorpus } from './test-data.js';

const corpus = writeTinyCorpus(64);

function options(out: string, over: Partial<TrainOptions> = {}): TrainOptions {
  return {
    data: corpus.train,
    valid: corpus.valid,
    out,
    resume: false,
    embeddingSize: 8,
    hiddenSize: 12,
    numLayers: 1,
    bidirectional: false,
    attention: 'dot',
    dropout: 0.2,
    tieEmbeddings: true,
    reverseSource: false,
    sourceVocabSize: 100,
    targetVocabSize: 100,
    minFrequency: 1,
    maxLength: 12,
    batchSize: 8,
    learningRate: 0.01,
    lrDecay: 0.5,
    epochs: 2,
    checkpointEvery: 3,
    seed: 4,
    teacherForcing: 0.7,
    clipNorm: 1,
    labelSmoothing: 0.1,
    shortlist: 10,
    validSize: 6,
    f16: false,
    ...over,
  };
}

async function parameters(file: string): Promise<Float32Array[]> {
  const loaded = await decodeSeq2SeqModel(new Uint8Array(readFileSync(file)), file);
  const values = (await readMany(loaded.model.namedParameters().map(([, p]) => p.value))) as Float32Array[];
  loaded.model.dispose();
  return values;
}

describe('translate train', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });
  afterAll(() => rmSync(corpus.dir, { recursive: true, force: true }));

  it('a run killed midway and resumed ends with exactly the weights of an uninterrupted run', async () => {
    const quiet = { log: () => {}, progress: false };
    const full = await train(options(join(corpus.dir, 'full')), quiet);
    expect(full.steps).toBe(16); // 2 epochs x 8 batches
    expect(full.history).toHaveLength(2);
    // Killed after step 11 (mid-epoch 2; last checkpoint at step 9), then resumed.
    const out = join(corpus.dir, 'killed');
    const killed = await train(options(out, { stopAfterStep: 11 }), quiet);
    expect(killed.steps).toBe(11);
    const lines: string[] = [];
    const resumed = await train(options(out, { resume: true }), { log: (l) => lines.push(l), progress: false });
    expect(lines.join('\n')).toContain('resumed from');
    expect(lines.join('\n')).toContain('step 9, epoch 2, batch 1');
    expect(resumed.steps).toBe(16);
    expect(resumed.history.map((h) => h.trainLoss)).toEqual(full.history.map((h) => h.trainLoss));
    expect(await parameters(resumed.modelPath)).toEqual(await parameters(full.modelPath));
  });

  it('refuses to resume with different options', async () => {
    const out = join(corpus.dir, 'changed');
    await train(options(out, { stopAfterStep: 3 }), { log: () => {}, progress: false });
    await expect(train(options(out, { resume: true, hiddenSize: 16 }), { log: () => {}, progress: false })).rejects.toThrow(/option hiddenSize/);
  });

  it('keeps the epoch with the best validation BLEU, and export writes it unless --last', async () => {
    const out = join(corpus.dir, 'best');
    const lines: string[] = [];
    const run = await train(options(out, { epochs: 4, learningRate: 0.05 }), { log: (l) => lines.push(l), progress: false });
    const bleus = run.history.map((h) => h.validBleu);
    const bestEpoch = bleus.indexOf(Math.max(...bleus)) + 1;
    const best = await decodeSeq2SeqModel(new Uint8Array(readFileSync(join(out, BEST_FILE))), BEST_FILE);
    expect((best.info as { history: unknown[] }).history).toHaveLength(bestEpoch);
    best.model.dispose();
    // The plateau schedule: the rate each epoch ran with, logged, follows learningRateAfter.
    const rates = run.history.map((_, e) => learningRateAfter(run.history.slice(0, e), 0.05, 0.5));
    for (const [e, rate] of rates.entries()) if (rate !== 0.05) expect(lines.join('\n')).toContain(`epoch ${e + 1}: learning rate ${rate.toPrecision(3)}`);

    const exported = join(out, 'exported.safetensors');
    expect((await exportRun(out, exported, {})).from).toBe('best');
    expect(await parameters(exported)).toEqual(await parameters(join(out, BEST_FILE)));
    expect((await exportRun(out, exported, { last: true })).from).toBe('last');
    expect(await parameters(exported)).toEqual(await parameters(run.modelPath));
  });

  it('an --overwrite run does not keep the best model of the run it replaces', async () => {
    const out = join(corpus.dir, 'overwritten');
    await train(options(out, { epochs: 1 }), { log: () => {}, progress: false });
    await train(options(out, { overwrite: true, stopAfterStep: 2 }), { log: () => {}, progress: false });
    expect(() => readFileSync(join(out, BEST_FILE))).toThrow();
  });

  it('--init starts from a model file: its weights and vocabularies, not random ones', async () => {
    const quiet = { log: () => {}, progress: false };
    const first = await train(options(join(corpus.dir, 'init-source'), { epochs: 1 }), quiet);
    const start = await parameters(first.modelPath);
    // One Adam step moves every weight by about the learning rate: 1e-9 leaves the file's weights.
    const tuned = await train(options(join(corpus.dir, 'init-tuned'), { init: first.modelPath, sourceVocabSize: 20, learningRate: 1e-9, maxSteps: 1, seed: 9 }), quiet);
    const after = await parameters(tuned.modelPath);
    expect(after.map((p) => p.length)).toEqual(start.map((p) => p.length));
    after.forEach((p, i) => p.forEach((v, j) => expect(Math.abs(v - start[i]![j]!)).toBeLessThan(1e-6)));
    // The vocabulary is the file's (--source-vocab 20 would have cut it), and a random start differs.
    expect(readFileSync(join(corpus.dir, 'init-tuned', 'source-vocab.json'), 'utf8')).toBe(readFileSync(join(corpus.dir, 'init-source', 'source-vocab.json'), 'utf8'));
    const fresh = await parameters((await train(options(join(corpus.dir, 'init-fresh'), { learningRate: 1e-9, maxSteps: 1, seed: 9 }), quiet)).modelPath);
    expect(Math.max(...fresh[0]!.map((v, j) => Math.abs(v - start[0]![j]!)))).toBeGreaterThan(1e-3);
  });

  it('--init refuses a model file of another shape, naming each difference', async () => {
    const quiet = { log: () => {}, progress: false };
    const first = await train(options(join(corpus.dir, 'init-shape'), { maxSteps: 1 }), quiet);
    await expect(train(options(join(corpus.dir, 'init-wrong'), { init: first.modelPath, hiddenSize: 16, attention: 'none' }), quiet)).rejects.toThrow(
      /--init .* does not match this run: hiddenSize 12 in the file, 16 in the options; attention "dot" in the file, "none" in the options/,
    );
  });
});

describe('learningRateAfter', () => {
  it('halves the rate after every epoch that is not the best so far', () => {
    const h = (...b: number[]) => b.map((validBleu) => ({ validBleu }));
    expect(learningRateAfter([], 1, 0.5)).toBe(1);
    expect(learningRateAfter(h(10, 12), 1, 0.5)).toBe(1);
    expect(learningRateAfter(h(10, 12, 11), 1, 0.5)).toBe(0.5);
    expect(learningRateAfter(h(10, 12, 11, 13, 13), 1, 0.5)).toBe(0.25); // a tie is no improvement
    expect(learningRateAfter(h(10, 9, 8), 2e-3, 1)).toBe(2e-3);
  });
});
