/**
 * The forecasting example, as a function: build the series, train the LSTM on sliding
 * windows of the training months, forecast each test month one step ahead, and compare
 * with the seasonal-naive forecast (the value 12 months earlier).
 */
import { Adam, CosineAnnealingLR, clipGradNorm, mseLoss } from '@cellstate/nn';
import { backward, noGrad, scope, tensor } from '@cellstate/tensor';
import { withDefaults } from '../shared/defaults.js';
import { Rng } from '../shared/random.js';
import { fitScaler, meanAbsoluteError, seasonalNaive, seasonalSeries, slidingWindows, splitChronological, type Window } from './data.js';
import { Forecaster } from './model.js';

export interface ForecastOptions {
  /** Training steps (mini-batches), default 300. */
  steps?: number;
  /** Hidden size of the LSTM, default 32. */
  hidden?: number;
  /** Seed of the data, the initial weights and the batch order, default 7. */
  seed?: number;
  /** Months of the series, default 240 (20 years). */
  months?: number;
  /** Months held out at the end, default 36. */
  testMonths?: number;
  /** Months the model sees to forecast the next one, default 24. */
  window?: number;
  /** Windows per mini-batch, default 32. */
  batchSize?: number;
  /** Adam's initial learning rate (cosine-annealed to 0 over the run), default 0.01. */
  learningRate?: number;
  /** Log the loss every `logEvery` steps (and at the first and last), default 50. */
  logEvery?: number;
  onLog?: (step: number, loss: number) => void;
}

export interface ForecastResult {
  /** The whole series. */
  series: number[];
  /** Index of the first test month. */
  testStart: number;
  /** Per test month: its index, the actual value, the LSTM and seasonal-naive forecasts. */
  months: number[];
  actual: number[];
  forecast: number[];
  naive: number[];
  maeLstm: number;
  maeNaive: number;
  /** (step, training loss on normalised values) at the logged steps. */
  losses: [step: number, loss: number][];
  /** Training time in seconds (the training loop only). */
  trainSeconds: number;
  options: Required<Omit<ForecastOptions, 'onLog'>>;
}

/**
 * Windows -> x [T, B, 1] (time-major, as LSTM expects) and y [B, 1]. Values are
 * normalised with the training mean and standard deviation, then taken relative to the
 * window's own mean (its level): the network sees the shape of the last months around
 * their level and forecasts the next month relative to that level, so a trend that
 * carries the test months above every training month needs no extrapolation.
 */
function toTensors(windows: readonly Window[], normalise: (v: number) => number) {
  const T = windows[0]!.input.length;
  const B = windows.length;
  const x = new Float32Array(T * B);
  const y = new Float32Array(B);
  const levels = windows.map((w, b) => {
    const z = w.input.map(normalise);
    const level = z.reduce((a, v) => a + v, 0) / T;
    for (let t = 0; t < T; t++) x[t * B + b] = z[t]! - level;
    return level;
  });
  windows.forEach((w, b) => (y[b] = normalise(w.target) - levels[b]!));
  return { x: tensor(x, [T, B, 1]), y: tensor(y, [B, 1]), levels };
}

const FORECAST_DEFAULTS: ForecastResult['options'] = {
  steps: 300,
  hidden: 32,
  seed: 7,
  months: 240,
  testMonths: 36,
  window: 24,
  batchSize: 32,
  learningRate: 0.01,
  logEvery: 50,
};

export async function runForecast(options: ForecastOptions = {}): Promise<ForecastResult> {
  const o = withDefaults(options, FORECAST_DEFAULTS);
  const series = seasonalSeries({ months: o.months, seed: o.seed });
  const { train } = splitChronological(series, o.testMonths);
  const scaler = fitScaler(train); // training statistics only: the test months stay unseen
  const testStart = train.length;
  const trainWindows = slidingWindows(series, o.window, o.window, testStart);
  const testWindows = slidingWindows(series, o.window, testStart, series.length);

  const model = new Forecaster({ hiddenSize: o.hidden, seed: o.seed });
  const optimizer = new Adam(model, { learningRate: o.learningRate });
  const schedule = new CosineAnnealingLR(optimizer, o.steps);
  const rng = new Rng(o.seed);
  const losses: [number, number][] = [];
  try {
    const started = performance.now();
    for (let step = 1; step <= o.steps; step++) {
      const batch = Array.from({ length: o.batchSize }, () => trainWindows[rng.int(trainWindows.length)]!);
      const loss = scope(() => {
        const { x, y } = toTensors(batch, scaler.normalise);
        const l = mseLoss(model.forward(x), y);
        optimizer.step(clipGradNorm(backward(l), 1).gradients);
        return l;
      });
      schedule.step();
      if (step === 1 || step % o.logEvery === 0 || step === o.steps) {
        const value = await loss.item();
        losses.push([step, value]);
        options.onLog?.(step, value);
      }
      loss.dispose();
    }
    const trainSeconds = (performance.now() - started) / 1000;

    // One-step-ahead forecasts: every test month from the actual months before it.
    const test = toTensors(testWindows, scaler.normalise);
    const predicted = noGrad(() => model.forward(test.x));
    const z = await predicted.data();
    for (const t of [predicted, test.x, test.y]) t.dispose();
    const forecast = Array.from(z, (v, b) => scaler.denormalise(v + test.levels[b]!));
    const months = testWindows.map((w) => w.index);
    const actual = testWindows.map((w) => w.target);
    const naive = months.map((i) => seasonalNaive(series, i));
    return {
      series,
      testStart,
      months,
      actual,
      forecast,
      naive,
      maeLstm: meanAbsoluteError(actual, forecast),
      maeNaive: meanAbsoluteError(actual, naive),
      losses,
      trainSeconds,
      options: o,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
