/**
 * Data for the forecasting example: a synthetic monthly sales series (think ice-cream
 * sales) with a 12-month season, a linear trend and seeded noise; a chronological
 * train/test split; normalisation with training statistics; sliding windows.
 */
import { Rng } from '../shared/random.js';

export interface SeriesOptions {
  /** Number of months (default 240 = 20 years). */
  months?: number;
  /** Level in month 0 (default 100). */
  level?: number;
  /** Growth per month (default 0.4). */
  trend?: number;
  /** Half the peak-to-trough swing of the yearly season (default 30). */
  amplitude?: number;
  /** Standard deviation of the month-to-month noise (default 4). */
  noise?: number;
  seed?: number;
}

/**
 * Monthly series starting in January: level + trend·t + a yearly season peaking in
 * July (a main wave plus a smaller second harmonic, so summers are sharper than
 * winters) + Gaussian noise.
 *
 * @example
 * ```ts
 * const sales = seasonalSeries({ months: 240, seed: 1 }); // 20 years of monthly values
 * ```
 */
export function seasonalSeries(options: SeriesOptions = {}): number[] {
  const months = options.months ?? 240;
  const level = options.level ?? 100;
  const trend = options.trend ?? 0.4;
  const amplitude = options.amplitude ?? 30;
  const noise = options.noise ?? 4;
  const rng = new Rng(options.seed ?? 1);
  const out: number[] = [];
  for (let t = 0; t < months; t++) {
    const phase = (2 * Math.PI * (t % 12 - 6)) / 12; // 0 in July (month index 6)
    const season = amplitude * Math.cos(phase) + 0.3 * amplitude * Math.cos(2 * phase);
    out.push(level + trend * t + season + noise * rng.normal());
  }
  return out;
}

export interface Split {
  train: number[];
  test: number[];
}

/** Chronological split: the last `testMonths` months are the test set. */
export function splitChronological(series: readonly number[], testMonths: number): Split {
  if (testMonths <= 0 || testMonths >= series.length) throw new RangeError(`testMonths must be in (0, ${series.length}), got ${testMonths}`);
  return { train: series.slice(0, -testMonths), test: series.slice(-testMonths) };
}

export interface Scaler {
  mean: number;
  std: number;
  normalise(v: number): number;
  denormalise(z: number): number;
}

/** Mean and standard deviation of `values` (the training months only). */
export function fitScaler(values: readonly number[]): Scaler {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1;
  return { mean, std, normalise: (v) => (v - mean) / std, denormalise: (z) => z * std + mean };
}

export interface Window {
  /** `window` consecutive values. */
  input: number[];
  /** The value right after them. */
  target: number;
  /** Index in the series of the target. */
  index: number;
}

/**
 * Every (window -> next value) pair whose target index lies in [from, to). The input may
 * reach back before `from` (a test window sees the last training months, as a
 * forecaster in production would).
 *
 * @example
 * ```ts
 * slidingWindows([1, 2, 3, 4, 5], 3); // [{ input: [1, 2, 3], target: 4, index: 3 }, { input: [2, 3, 4], target: 5, index: 4 }]
 * ```
 */
export function slidingWindows(series: readonly number[], window: number, from = window, to = series.length): Window[] {
  const out: Window[] = [];
  for (let i = Math.max(from, window); i < to; i++) out.push({ input: series.slice(i - window, i), target: series[i]!, index: i });
  return out;
}

/** Mean absolute error. */
export function meanAbsoluteError(actual: readonly number[], predicted: readonly number[]): number {
  if (actual.length !== predicted.length || actual.length === 0) throw new RangeError('meanAbsoluteError needs two non-empty arrays of one length');
  return actual.reduce((a, y, i) => a + Math.abs(y - predicted[i]!), 0) / actual.length;
}

/** Seasonal-naive forecast of month `index`: the value 12 months earlier. */
export function seasonalNaive(series: readonly number[], index: number, period = 12): number {
  return series[index - period]!;
}

/** Autocorrelation of `values` at `lag` (after removing a linear trend). */
export function autocorrelation(values: readonly number[], lag: number): number {
  const n = values.length;
  const xs = values.map((_, i) => i);
  const mx = (n - 1) / 2;
  const my = values.reduce((a, b) => a + b, 0) / n;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (values[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const r = values.map((v, i) => v - my - slope * (i - mx));
  const denom = r.reduce((a, v) => a + v * v, 0);
  let num = 0;
  for (let i = lag; i < n; i++) num += r[i]! * r[i - lag]!;
  return num / denom;
}
