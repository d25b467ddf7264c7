import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { memory, ready } from '@cellstate/tensor';
import { dailySales, seasonalNaiveRmse } from './data.js';
import { forecastIceCream, type IceCreamResult } from './forecast.js';

const dir = await mkdtemp(join(tmpdir(), 'cellstate-icecream-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('ice-cream forecaster on fit/evaluate/predict', () => {
  const sales = dailySales({ seed: 1 });
  let result: IceCreamResult;
  let baseline: ReturnType<typeof memory>;
  const lines: string[] = [];

  beforeAll(async () => {
    await ready({ prefer: ['cpu'] });
    baseline = memory();
    result = await forecastIceCream(sales, { path: join(dir, 'icecream.safetensors'), epochs: 20, hidden: 16, seed: 1, log: (l) => lines.push(l) });
  }, 120_000);

  it('keeps its model-and-training code within 12 lines', async () => {
    const source = await readFile(new URL('./forecast.ts', import.meta.url), 'utf8');
    const block = source.split('// ---- model and training: 12 lines ----\n')[1]!.split('  // ---- end ----')[0]!;
    expect(block.trimEnd().split('\n').length).toBeLessThanOrEqual(12);
  });

  it('learns and beats the seasonal-naive forecast on the test period', () => {
    const loss = result.history.history.loss!;
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]! / 3);
    expect(result.testDays[0]).toBe(sales.length - Math.round(0.15 * sales.length));
    expect(result.testDays).toHaveLength(Math.round(0.15 * sales.length));
    expect(result.rmse).toBeLessThan(seasonalNaiveRmse(sales, result.testDays));
  });

  it('the reloaded model scores the same; predictions cover every test day', () => {
    expect(result.rmseReloaded).toBeCloseTo(result.rmse, 5);
    expect(result.forecast).toHaveLength(result.testDays.length);
  });

  it('prints the summary, one line per epoch and the test RMSE', () => {
    expect(lines[0]).toContain('0 (LSTM)       [1, 28, 16]');
    expect(result.summary).toContain(`Total params: ${(4 * 16 * (1 + 16 + 2) + 17).toLocaleString('en')}`);
    expect(lines.filter((l) => l.startsWith('epoch '))).toHaveLength(result.history.epochs);
    expect(lines.some((l) => /^test RMSE \d+\.\d\d$/.test(l))).toBe(true);
  });

  it('leaks nothing', () => {
    expect(memory().handles).toBe(baseline.handles);
    expect(memory().tapeNodes).toBe(0);
  });
});
