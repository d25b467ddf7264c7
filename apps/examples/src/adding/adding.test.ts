import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { memory, ready } from '@cellstate/tensor';
import { Rng } from '../shared/random.js';
import { checkSvg } from '../shared/svg-check.js';
import { writeGradientChart } from './chart.js';
import { addingBatch, TRIVIAL_MSE } from './data.js';
import { makeModel, resolveAddingOptions, runAdding, type AddingResult } from './experiment.js';
import { gradientNormByDistance } from './train.js';

const dir = await mkdtemp(join(tmpdir(), 'cellstate-adding-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

let baseline: ReturnType<typeof memory>;
beforeAll(async () => {
  await ready({ prefer: ['cpu'] });
  baseline = memory();
});

describe('gradient against distance in time (T = 100, untrained models)', () => {
  it("vanishes for the RNN, much less for the LSTM", async () => {
    const o = resolveAddingOptions(); // the shipped defaults: T = 100, hidden 32, seed 1, forget bias 1
    const probe = addingBatch(o.length, 32, new Rng(11));
    const norms: Record<string, number[]> = {};
    for (const label of ['LSTM', 'tanh RNN'] as const) {
      const model = makeModel(label, o);
      norms[label] = await gradientNormByDistance(model, probe);
      model.dispose();
    }
    const lstm = norms['LSTM']!;
    const rnn = norms['tanh RNN']!;
    expect(lstm).toHaveLength(100);
    expect(lstm[0]!).toBeGreaterThan(0);
    expect(rnn[0]!).toBeGreaterThan(0);
    const ratio = (g: number[], d: number) => g[d]! / g[0]!;
    for (const d of [50, 75]) {
      // The RNN's gradient 50+ steps back is at least 8 orders of magnitude below its
      // gradient at the output...
      expect(ratio(rnn, d)).toBeLessThan(1e-8);
      // ...the LSTM's decays far less: at least 4 orders of magnitude less.
      expect(ratio(lstm, d)).toBeGreaterThan(1e4 * ratio(rnn, d));
    }
    // Monotone-ish decay for the RNN: every 10 steps costs it more than a factor 10.
    for (let d = 0; d + 10 < 60; d += 10) expect(rnn[d + 10]!).toBeLessThan(rnn[d]! / 10);
    expect(memory().handles).toBe(baseline.handles);
    expect(memory().tapeNodes).toBe(0);
  }, 120_000);
});

describe('a quick adding run (T = 30)', () => {
  let result: AddingResult;
  beforeAll(async () => {
    // Short sequences and a higher learning rate, so the LSTM gets past its plateau in
    // a few hundred steps; fixed seed, so the run is the same every time.
    result = await runAdding({ length: 30, steps: 500, learningRate: 0.02, evalEvery: 100, testSize: 256, seed: 1 });
  }, 300_000);

  it('the LSTM learns to add, the RNN stays near the trivial 0.167', () => {
    const [lstm, rnn] = result.models;
    expect(lstm!.label).toBe('LSTM');
    expect(rnn!.label).toBe('tanh RNN');
    expect(lstm!.testMse).toBeLessThan(0.02);
    expect(rnn!.testMse).toBeGreaterThan(0.1);
    expect(lstm!.testMse).toBeLessThan(rnn!.testMse / 5);
    // After training, the LSTM's gradient reaches the first half of the sequence; the RNN's does not.
    const far = (g: number[]) => g[25]! / g[0]!;
    expect(far(lstm!.gradientsTrained)).toBeGreaterThan(1e-2);
    expect(far(rnn!.gradientsTrained)).toBeLessThan(1e-4);
    expect(result.trivialMse).toBe(TRIVIAL_MSE);
  });

  it('leaks nothing', () => {
    expect(memory().handles).toBe(baseline.handles);
    expect(memory().tapeNodes).toBe(0);
  });

  it('writes the gradient chart as a well-formed SVG naming both models', async () => {
    const svg = await readFile(await writeGradientChart(join(dir, 'adding-gradients.svg'), result), 'utf8');
    expect(checkSvg(svg)).toEqual({ ok: true });
    for (const name of ['LSTM, trained', 'tanh RNN, trained', 'LSTM, at initialisation', 'tanh RNN, at initialisation']) expect(svg).toContain(name);
  });
});
