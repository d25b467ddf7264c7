import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { memory, ready } from '@cellstate/tensor';
import { checkSvg } from '../shared/svg-check.js';
import { writeForecastChart } from './chart.js';
import { runForecast, type ForecastResult } from './train.js';

const dir = await mkdtemp(join(tmpdir(), 'cellstate-forecast-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('forecasting example', () => {
  let result: ForecastResult;
  let baseline: ReturnType<typeof memory>;

  beforeAll(async () => {
    await ready({ prefer: ['cpu'] });
    baseline = memory();
    // The shipped defaults (hidden 32, seed 7) with half the steps, to keep CI short.
    result = await runForecast({ steps: 150 });
  }, 300_000);

  it('beats the seasonal-naive forecast on the test months', () => {
    expect(result.months).toHaveLength(36);
    expect(result.months[0]).toBe(204);
    expect(result.naive).toEqual(result.months.map((m) => result.series[m - 12]));
    expect(result.maeNaive).toBeGreaterThan(5);
    expect(result.maeLstm).toBeLessThan(0.75 * result.maeNaive);
  });

  it('learns: the training loss falls', () => {
    expect(result.losses[result.losses.length - 1]![1]).toBeLessThan(result.losses[0]![1] / 5);
  });

  it('leaks nothing', () => {
    expect(memory().handles).toBe(baseline.handles);
    expect(memory().tapeNodes).toBe(0);
  });

  it('is deterministic for a seed', async () => {
    const a = await runForecast({ steps: 10, hidden: 8 });
    const b = await runForecast({ steps: 10, hidden: 8 });
    expect(b.forecast).toEqual(a.forecast);
    expect(b.losses).toEqual(a.losses);
    expect(memory().handles).toBe(baseline.handles);
  }, 120_000);

  it('writes the chart as a well-formed SVG naming the three series', async () => {
    const svg = await readFile(await writeForecastChart(join(dir, 'forecast.svg'), result), 'utf8');
    expect(checkSvg(svg)).toEqual({ ok: true });
    for (const name of ['actual', 'LSTM forecast', 'seasonal naive']) expect(svg).toContain(name);
  });
});
