import { ArgumentError } from '@cellstate/tensor';
import { Dataset } from './dataset.js';
import { Standardizer, toRows, type Series } from './normalizer.js';
import { checkPositiveInteger } from '../check-arguments.js';

/** One forecasting example: `lookback` steps of features → the next `horizon` targets. */
export interface Window {
  /** [lookback, features] */
  x: number[][];
  /** [horizon · targets]: the targets of the next `horizon` steps. */
  y: number[];
  /** Index of the first target step in the series. */
  index: number;
}

export interface WindowOptions {
  /** Steps the model sees. */
  lookback: number;
  /** Steps to forecast (default 1). */
  horizon?: number;
  /** Steps between the starts of two windows (default 1). */
  stride?: number;
  /** Feature columns that are targets (default [0]). */
  targets?: readonly number[];
  /** Only windows whose first target step is in [start, end) (default the whole series). */
  start?: number;
  end?: number;
}

/**
 * Sliding windows over a series: each example is `lookback` steps (all features) and
 * the next `horizon` steps of the target columns. The windows with targets in [start,
 * end) may read inputs from before `start`: past values are known at forecast time.
 *
 * @example
 * ```ts
 * const w = timeSeriesWindows([1, 2, 3, 4, 5], { lookback: 3 });
 * // 2 windows: x [[1], [2], [3]] → y [4], x [[2], [3], [4]] → y [5]
 * ```
 */
export function timeSeriesWindows(series: Series, options: WindowOptions): Dataset<Window> {
  const rows = toRows(series);
  const { lookback } = options;
  const horizon = options.horizon ?? 1;
  const stride = options.stride ?? 1;
  const targets = options.targets ?? [0];
  for (const [name, v] of [['lookback', lookback], ['horizon', horizon], ['stride', stride]] as const) checkPositiveInteger('timeSeriesWindows', name, v);
  const width = rows[0]?.length ?? 0;
  for (const c of targets) if (!Number.isInteger(c) || c < 0 || c >= width) throw new ArgumentError('timeSeriesWindows', `target column ${c} is outside [0, ${width})`);
  const first = Math.max(lookback, options.start ?? lookback);
  const end = Math.min(options.end ?? rows.length, rows.length);
  const starts: number[] = [];
  for (let t = first; t + horizon <= end; t += stride) starts.push(t);
  return Dataset.from(starts).map((t) => ({
    x: rows.slice(t - lookback, t),
    y: rows.slice(t, t + horizon).flatMap((r) => targets.map((c) => r[c]!)),
    index: t,
  }));
}

export interface TimeSeriesSplitOptions extends Omit<WindowOptions, 'start' | 'end'> {
  /** The validation period: a fraction of the steps or a number of steps (default 0.15). */
  validation?: number;
  /** The test period, at the end: a fraction or a number of steps (default 0.15). */
  test?: number;
  /** Standardise every feature with the training period's statistics (default true). */
  normalize?: boolean;
}

/** What `timeSeriesSplit` returns. */
export interface TimeSeriesSplit {
  train: Dataset<Window>;
  validation: Dataset<Window>;
  test: Dataset<Window>;
  /** Fitted on the training period only; identity (mean 0, std 1) with `normalize: false`. */
  scaler: Standardizer;
  /** First step of the validation and of the test period. */
  validationStart: number;
  testStart: number;
}

/**
 * Splits a series by time into training, validation and test periods (in that order)
 * and windows each; an example belongs to the period of its first target step, and
 * must fit its targets in it. The scaler is fitted on the training period alone, so no
 * statistic of the later periods leaks into training.
 *
 * @example
 * ```ts
 * const { train, validation, test, scaler } = timeSeriesSplit(dailySales, { lookback: 28, validation: 0.15, test: 0.15 });
 * ```
 */
export function timeSeriesSplit(series: Series, options: TimeSeriesSplitOptions): TimeSeriesSplit {
  const rows = toRows(series);
  const n = rows.length;
  const steps = (v: number | undefined, fallback: number) => {
    const value = v ?? fallback;
    if (!(value >= 0)) throw new ArgumentError('timeSeriesSplit', `a period must be a fraction or a number of steps, got ${value}`);
    return value < 1 ? Math.round(value * n) : Math.round(value);
  };
  const testSteps = steps(options.test, 0.15);
  const validationSteps = steps(options.validation, 0.15);
  const testStart = n - testSteps;
  const validationStart = testStart - validationSteps;
  if (validationStart <= options.lookback) throw new ArgumentError('timeSeriesSplit', `the training period (${validationStart} steps) must be longer than the lookback (${options.lookback})`);
  const scaler = options.normalize === false ? new Standardizer(new Array<number>(rows[0]!.length).fill(0), new Array<number>(rows[0]!.length).fill(1)) : Standardizer.fit(rows.slice(0, validationStart));
  const scaled = scaler.transform(rows);
  const windows = (start: number, end: number) => timeSeriesWindows(scaled, { ...options, start, end });
  return { train: windows(0, validationStart), validation: windows(validationStart, testStart), test: windows(testStart, n), scaler, validationStart, testStart };
}
