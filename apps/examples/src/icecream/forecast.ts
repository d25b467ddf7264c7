/**
 * The ice-cream forecaster on the front-door API: a window of the last four weeks →
 * tomorrow's sales, LSTM + linear head, Adam, early stopping, test RMSE in sales units,
 * saved and reloaded. Compare apps/examples/src/forecast/train.ts, the same kind of
 * model written by hand.
 */
import { LSTM } from '@cellstate/lstm';
import { LastStep, Linear, Sequential, earlyStopping, evaluate, fit, predict, progressLogger, summary, timeSeriesSplit, type Callback, type History } from '@cellstate/nn';
import { loadModel, saveModel } from '@cellstate/nn/node';

export interface IceCreamOptions {
  /** Where the model is saved (safetensors). */
  path: string;
  epochs?: number;
  hidden?: number;
  seed?: number;
  /** Log lines (default console.log). */
  log?: (line: string) => void;
  /** Extra callbacks (tests). */
  callbacks?: Callback[];
}

export interface IceCreamResult {
  history: History;
  /** Test RMSE in sales units, of the trained and of the reloaded model. */
  rmse: number;
  rmseReloaded: number;
  /** Tomorrow's sales for every test day, from the reloaded model (normalised units). */
  forecast: Float32Array;
  /** First day of each test window's target. */
  testDays: number[];
  summary: string;
}

/** Trains, evaluates, saves and reloads the forecaster. */
export async function forecastIceCream(sales: readonly number[], options: IceCreamOptions): Promise<IceCreamResult> {
  const { path, epochs = 30, hidden = 32, seed = 1, log = console.log } = options;
  // ---- model and training: 12 lines ----
  const { train, validation, test, scaler } = timeSeriesSplit(sales, { lookback: 28, validation: 0.15, test: 0.15 });
  const makeModel = () => new Sequential([new LSTM({ inputSize: 1, hiddenSize: hidden, batchFirst: true, seed }), new LastStep(), new Linear(hidden, 1, { seed })]);
  const model = makeModel();
  log(summary(model, { inputShape: [1, 28, 1] }));
  const history = await fit(model, train, { epochs, batchSize: 32, validation, loss: 'mse', optimizer: 'adam', learningRate: 0.01, callbacks: [earlyStopping({ patience: 5 }), progressLogger({ log }), ...(options.callbacks ?? [])] });
  const { rmse } = (await evaluate(model, test, { metrics: ['rmse'], denormalize: (v) => scaler.inverse(v) })).metrics;
  log(`test RMSE ${rmse!.toFixed(2)}`);
  await saveModel(path, model);
  const reloaded = makeModel();
  await loadModel(path, reloaded);
  const rmseReloaded = (await evaluate(reloaded, test, { metrics: ['rmse'], denormalize: (v) => scaler.inverse(v) })).metrics.rmse!;
  const forecast = await predict(reloaded, test);
  // ---- end ----
  const result = { history, rmse: rmse!, rmseReloaded, forecast, testDays: test.toArray().map((w) => w.index), summary: summary(model, { inputShape: [1, 28, 1] }) };
  model.dispose();
  reloaded.dispose();
  return result;
}
