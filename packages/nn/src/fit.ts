import { ArgumentError, noGrad, readMany, scope, tensor, type Tensor } from '@cellstate/tensor';
import { Dataset, collate, type Sample, type NestedNumbers } from './data/dataset.js';
import { bceWithLogitsLoss, crossEntropyLoss, huberLoss, l1Loss, mseLoss } from './losses.js';
import {
  accuracy,
  argmaxRows,
  f1Score,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  precision,
  recall,
  rootMeanSquaredError,
} from './metrics.js';
import type { Module } from './module.js';
import { Adam, AdamW } from './optim/adam.js';
import { SGD } from './optim/sgd.js';
import type { Optimizer } from './optim/optimizer.js';
import { ReduceLROnPlateau, type LearningRateScheduler } from './optim/schedules.js';
import { NonFiniteLossError, Trainer } from './trainer.js';
import { checkNonNegativeInteger } from './check-arguments.js';

/** A model `fit` can train: a module whose forward maps a batch x (and optional lengths) to predictions. */
export type FitModel = Module & { forward(x: Tensor, options?: never): Tensor };

/** Losses by name: 'mse', 'mae' (= 'l1'), 'huber', 'crossEntropy' (int32 labels), 'bce' (logits). */
export type LossName = 'mse' | 'mae' | 'l1' | 'huber' | 'crossEntropy' | 'bce';
/** A custom loss: a scalar tensor from predictions and the collated targets. */
export type LossFunction = (prediction: Tensor, target: Tensor) => Tensor;

/** Metrics by name. Classification metrics take the argmax of the last axis (a threshold at 0 for one logit). */
export type MetricName = 'mae' | 'mse' | 'rmse' | 'mape' | 'accuracy' | 'precision' | 'recall' | 'f1';
/** A custom metric on the host values of a whole dataset: predictions [N, ...] flat, targets flat. */
export interface Metric {
  name: string;
  compute(targets: ArrayLike<number>, predictions: ArrayLike<number>, predictionShape: readonly number[]): number;
}

/** Per-epoch numbers, Keras' names: `loss`, `mae`, ..., and `val_loss`, `val_mae`, ... */
export type EpochLogs = Record<string, number>;

/** What callbacks get besides the logs. */
export interface FitContext {
  model: FitModel;
  optimizer: Optimizer;
  /** The `scheduler` option, for callbacks that save it with a checkpoint. */
  scheduler?: LearningRateScheduler | ReduceLROnPlateau;
  epochs: number;
  stepsPerEpoch: number;
  /** Ends training after the current epoch (or batch), recording why. */
  stop(reason: string): void;
}

/**
 * Hooks into `fit`. Any may be async; `fit` awaits it. Progress bars, logging, early
 * stopping and custom checkpoints are callbacks.
 */
export interface Callback {
  onTrainBegin?(context: FitContext): void | Promise<void>;
  onEpochBegin?(epoch: number, context: FitContext): void | Promise<void>;
  /** After each optimizer step: 0-based batch in the epoch and its training loss. */
  onBatchEnd?(batch: number, logs: { loss: number }, context: FitContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, context: FitContext): void | Promise<void>;
  onTrainEnd?(history: History, context: FitContext): void | Promise<void>;
}

/** What `fit` returns. */
export interface History {
  /** Per name, one value per completed epoch. */
  history: Record<string, number[]>;
  /** Completed epochs (counting the `initialEpoch` ones); the lists hold the epochs this call ran. */
  epochs: number;
  /** Why training ended before `epochs`: early stopping, a non-finite loss, an abort. */
  stopReason?: string;
}

export interface FitOptions {
  /** Train until this epoch count (with `initialEpoch`, the total, as in Keras). */
  epochs: number;
  /**
   * Epochs already done (Keras' `initial_epoch`): resuming from a checkpoint continues
   * with the shuffle order of epoch `initialEpoch`, so the run is the uninterrupted one.
   */
  initialEpoch?: number;
  /**
   * Optimizer steps already done, for a run resumed from a checkpoint taken inside an
   * epoch (instead of `initialEpoch`): training continues at epoch
   * `floor(initialStep / stepsPerEpoch)`, past that epoch's first
   * `initialStep % stepsPerEpoch` batches of the same shuffled order, so the weights end
   * as in the uninterrupted run. That epoch's `loss` log covers the batches run here.
   */
  initialStep?: number;
  /** Examples per step (default 32). */
  batchSize?: number;
  loss: LossName | LossFunction;
  /**
   * An optimizer you own (its state carries over to the next `fit`), or one by name
   * that `fit` creates with `learningRate` and releases at the end (default 'adam').
   */
  optimizer?: Optimizer | 'adam' | 'adamw' | 'sgd';
  /** Learning rate of an optimizer given by name (default 1e-3). */
  learningRate?: number;
  /** Data evaluated after each epoch (`val_*` logs). */
  validation?: Dataset<Sample>;
  /** Hold out this last fraction of `data` for validation instead (Keras: not shuffled first). */
  validationSplit?: number;
  metrics?: readonly (MetricName | Metric)[];
  callbacks?: readonly Callback[];
  /** Aborting ends training after the current step (the history says 'aborted'). */
  signal?: AbortSignal;
  /** Reshuffle the training data every epoch (default true), seeded by `seed` (default 0). */
  shuffle?: boolean;
  seed?: number;
  /**
   * Batch examples of similar length together (`Dataset.bucketBatches`), given each
   * example's length: less padding for variable-length sequences.
   */
  bucketBy?: (sample: Sample) => number;
  /** Clip the global gradient norm before each update. */
  clipGradNorm?: number;
  /** A NaN/∞ loss or gradient: 'stop' training (default, Keras' TerminateOnNaN), 'throw', or 'skip' the step. */
  onNonFinite?: 'stop' | 'throw' | 'skip';
  /** Stepped after each epoch; `ReduceLROnPlateau` with `val_loss` (or `loss`). */
  scheduler?: LearningRateScheduler | ReduceLROnPlateau;
}

/**
 * Trains `model` on `data` for `epochs`, Keras' `model.fit`: shuffled batches, one
 * `Trainer` step each (forward, backward, optional clipping, a finiteness check,
 * update), validation and metrics after each epoch, callbacks, and a history. Batches
 * are collated from plain numbers and released: no `dispose()` on the caller's side.
 * Variable-length inputs are padded and their lengths passed as `forward(x, { lengths })`.
 *
 * @example
 * ```ts
 * const { train, validation } = timeSeriesSplit(sales, { lookback: 28 });
 * const model = new Sequential([new LSTM({ inputSize: 1, hiddenSize: 32, batchFirst: true }), new LastStep(), new Linear(32, 1)]);
 * const history = await fit(model, train, { epochs: 20, validation, loss: 'mse', metrics: ['rmse'], callbacks: [earlyStopping({ patience: 3 })] });
 * console.log(history.history.val_rmse);
 * ```
 */
export async function fit(model: FitModel, data: Dataset<Sample>, options: FitOptions): Promise<History> {
  const { epochs } = options;
  checkNonNegativeInteger('fit', 'epochs', epochs);
  const batchSize = options.batchSize ?? 32;
  checkNonNegativeInteger('fit', 'initialEpoch', options.initialEpoch ?? 0);
  if (options.initialStep !== undefined) {
    checkNonNegativeInteger('fit', 'initialStep', options.initialStep);
    if (options.initialEpoch !== undefined) throw new ArgumentError('fit', 'pass initialEpoch or initialStep, not both');
  }
  if (options.validation && options.validationSplit !== undefined) throw new ArgumentError('fit', 'pass validation or validationSplit, not both');
  const [train, validation] = options.validationSplit !== undefined ? data.split(options.validationSplit) : [data, options.validation];
  if (train.length === 0) throw new ArgumentError('fit', 'no training examples');
  const lossFn = resolveLoss(options.loss);
  const yDtype = options.loss === 'crossEntropy' ? 'int32' : 'float32';
  const ownOptimizer = typeof options.optimizer !== 'object';
  const optimizer = makeOptimizer(model, options.optimizer ?? 'adam', options.learningRate ?? 1e-3);
  const onNonFinite = options.onNonFinite ?? 'stop';
  const trainer = new Trainer({ optimizer, onNonFinite: onNonFinite === 'skip' ? 'skip' : 'throw', ...(options.clipGradNorm !== undefined ? { clipGradNorm: options.clipGradNorm } : {}) });
  const callbacks = options.callbacks ?? [];
  const stepsPerEpoch = Math.ceil(train.length / batchSize);
  const initialEpoch = options.initialStep !== undefined ? Math.floor(options.initialStep / stepsPerEpoch) : (options.initialEpoch ?? 0);
  // Batches of the first epoch that a resumed run had done already.
  let skip = options.initialStep !== undefined ? options.initialStep % stepsPerEpoch : 0;
  const history: History = { history: {}, epochs: initialEpoch };
  let stopReason: string | undefined;
  const context: FitContext = {
    model,
    optimizer,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    epochs,
    stepsPerEpoch,
    stop: (reason) => (stopReason ??= reason),
  };
  const wasTraining = model.training;
  const aborted = () => options.signal?.aborted === true;
  try {
    for (const c of callbacks) await c.onTrainBegin?.(context);
    for (let epoch = initialEpoch; epoch < epochs && stopReason === undefined; epoch++) {
      for (const c of callbacks) await c.onEpochBegin?.(epoch, context);
      model.train();
      let total = 0;
      let count = 0;
      let batchIndex = 0;
      let completed = true;
      const order = { batchSize, ...(options.shuffle ?? true ? { shuffleSeed: options.seed ?? 0, epoch } : {}) };
      const batches = options.bucketBy ? train.bucketBatches({ ...order, length: options.bucketBy }) : train.batches(order);
      for (const batch of batches) {
        if (aborted()) stopReason ??= 'aborted';
        if (stopReason !== undefined) {
          completed = false;
          break;
        }
        if (skip > 0) {
          skip--;
          batchIndex++;
          continue;
        }
        const { x, y, lengths } = collate(batch, { yDtype });
        let result;
        try {
          result = await trainer.step(() => lossFn(callForward(model, x, lengths), y));
        } catch (e) {
          if (e instanceof NonFiniteLossError && onNonFinite === 'stop') {
            stopReason = `non-finite ${e.message.includes('gradient norm') ? 'gradient norm' : 'loss'} (${e.loss}) at epoch ${epoch + 1}, batch ${batchIndex + 1}`;
            completed = false;
            break;
          }
          throw e;
        } finally {
          x.dispose();
          y.dispose();
        }
        if (!result.skipped) {
          total += result.loss * batch.length;
          count += batch.length;
        }
        for (const c of callbacks) await c.onBatchEnd?.(batchIndex, { loss: result.loss }, context);
        batchIndex++;
      }
      // A stop inside an epoch (abort, non-finite loss, a callback) leaves it unfinished:
      // it gets no logs, so the history holds complete epochs only.
      if (!completed || (stopReason !== undefined && batchIndex < context.stepsPerEpoch)) break;
      const logs: EpochLogs = { loss: count ? total / count : NaN };
      if (options.metrics?.length) Object.assign(logs, (await evaluate(model, train, { loss: lossFn, yDtype, metrics: options.metrics, batchSize })).metrics);
      if (validation && validation.length > 0) {
        const v = await evaluate(model, validation, { loss: lossFn, yDtype, metrics: options.metrics ?? [], batchSize });
        logs.val_loss = v.loss;
        for (const [name, value] of Object.entries(v.metrics)) logs[`val_${name}`] = value;
      }
      for (const [name, value] of Object.entries(logs)) (history.history[name] ??= []).push(value);
      history.epochs = epoch + 1;
      if (options.scheduler instanceof ReduceLROnPlateau) options.scheduler.step(logs.val_loss ?? logs.loss!);
      else options.scheduler?.step();
      for (const c of callbacks) await c.onEpochEnd?.(epoch, logs, context);
    }
    if (stopReason !== undefined) history.stopReason = stopReason;
    for (const c of callbacks) await c.onTrainEnd?.(history, context);
    return history;
  } finally {
    model.train(wasTraining);
    if (ownOptimizer) optimizer.dispose();
  }
}

export interface EvaluateOptions {
  /** Reported as `loss` (omit for metrics only). */
  loss?: LossName | LossFunction;
  metrics?: readonly (MetricName | Metric)[];
  /** Default 32. */
  batchSize?: number;
  /** dtype of the targets (default: int32 for 'crossEntropy', else float32). */
  yDtype?: 'float32' | 'int32';
  /** Maps predictions and targets before the metrics, e.g. back to data units: `(v) => scaler.inverse(v)`. */
  denormalize?: (values: Float32Array) => ArrayLike<number>;
}

/** What `evaluate` returns. */
export interface Evaluation {
  /** Mean loss over the examples (batch losses weighted by batch size); NaN without a loss. */
  loss: number;
  metrics: Record<string, number>;
}

/**
 * Loss and metrics of `model` on `data`, in eval mode, without gradients, batch by
 * batch; every tensor is released. Metrics see the whole dataset's predictions at once
 * (so RMSE and macro-F1 are exact, not averages of batches).
 *
 * @example
 * ```ts
 * const { loss, metrics } = await evaluate(model, test, { loss: 'mse', metrics: ['rmse', 'mae'], denormalize: (v) => scaler.inverse(v) });
 * console.log(metrics.rmse);
 * ```
 */
export async function evaluate(model: FitModel, data: Dataset<Sample>, options: EvaluateOptions = {}): Promise<Evaluation> {
  const lossFn = options.loss === undefined ? undefined : resolveLoss(options.loss);
  const yDtype = options.yDtype ?? (options.loss === 'crossEntropy' ? 'int32' : 'float32');
  const metrics = (options.metrics ?? []).map(resolveMetric);
  const predictions: Float32Array[] = [];
  const targets: number[][] = [];
  let predictionShape: number[] = [];
  let lossTotal = 0;
  await inEvalMode(model, async () => {
    for (const batch of data.batches({ batchSize: options.batchSize ?? 32 })) {
      const { x, y, lengths } = collate(batch, { yDtype });
      const { prediction, loss } = noGrad(() =>
        scope(() => {
          const prediction = callForward(model, x, lengths);
          return { prediction, loss: lossFn ? lossFn(prediction, y) : undefined };
        }),
      );
      const toRead = loss ? [prediction, y, loss] : [prediction, y];
      try {
        const [p, t, l] = await readMany(toRead);
        predictions.push(Float32Array.from(p!));
        targets.push(Array.from(t!));
        predictionShape = [...prediction.shape];
        if (l) lossTotal += l[0]! * batch.length;
      } finally {
        for (const t of [...toRead, x]) t.dispose();
      }
    }
  });
  const allPredictions = concatFloat(predictions);
  const allTargets = Float32Array.from(targets.flat());
  const shape = [data.length, ...predictionShape.slice(1)];
  const map = options.denormalize ?? ((v: Float32Array) => v);
  const out: Record<string, number> = {};
  for (const m of metrics) out[m.name] = m.compute(m.onLabels ? allTargets : map(allTargets), m.onLabels ? allPredictions : map(allPredictions), shape);
  return { loss: lossFn && data.length ? lossTotal / data.length : NaN, metrics: out };
}

export interface PredictOptions {
  /** Default 32. */
  batchSize?: number;
}

/**
 * Predictions of `model` for every example's `x`, in order, in eval mode, without
 * gradients, batch by batch: one flat Float32Array, row-major [N, ...output shape].
 * Every tensor is released.
 *
 * @example
 * ```ts
 * const forecast = scaler.inverse(await predict(model, test)); // one value per window
 * ```
 */
export async function predict(model: FitModel, data: Dataset<Pick<Sample, 'x'>> | readonly NestedNumbers[], options: PredictOptions = {}): Promise<Float32Array> {
  const dataset = data instanceof Dataset ? data : Dataset.from(data).map((x) => ({ x }));
  const parts: Float32Array[] = [];
  await inEvalMode(model, async () => {
    for (const batch of dataset.batches({ batchSize: options.batchSize ?? 32 })) {
      const { x, y, lengths } = collate(batch.map((s) => ({ x: s.x, y: 0 })));
      y.dispose();
      const prediction = noGrad(() => callForward(model, x, lengths));
      try {
        parts.push(Float32Array.from(await prediction.data()));
      } finally {
        prediction.dispose();
        x.dispose();
      }
    }
  });
  return concatFloat(parts);
}

function makeOptimizer(model: Module, optimizer: Optimizer | 'adam' | 'adamw' | 'sgd', learningRate: number): Optimizer {
  if (typeof optimizer === 'object') return optimizer;
  if (optimizer === 'adam') return new Adam(model, { learningRate });
  if (optimizer === 'adamw') return new AdamW(model, { learningRate });
  if (optimizer === 'sgd') return new SGD(model, { learningRate });
  throw new ArgumentError('fit', `unknown optimizer '${String(optimizer)}'`);
}

function callForward(model: FitModel, x: Tensor, lengths: number[] | undefined): Tensor {
  const forward = model.forward as (this: FitModel, x: Tensor, options?: { lengths: number[] }) => Tensor;
  return lengths ? forward.call(model, x, { lengths }) : forward.call(model, x);
}

async function inEvalMode(model: Module, fn: () => Promise<void>): Promise<void> {
  const wasTraining = model.training;
  model.eval();
  try {
    await fn();
  } finally {
    model.train(wasTraining);
  }
}

function concatFloat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function resolveLoss(loss: LossName | LossFunction): LossFunction {
  if (typeof loss === 'function') return loss;
  switch (loss) {
    case 'mse':
      return (p, t) => mseLoss(p, t);
    case 'mae':
    case 'l1':
      return (p, t) => l1Loss(p, t);
    case 'huber':
      return (p, t) => huberLoss(p, t);
    case 'bce':
      return (p, t) => bceWithLogitsLoss(p, t);
    case 'crossEntropy':
      return (p, t) => crossEntropyLoss(p, t);
    default:
      throw new ArgumentError('fit', `unknown loss '${String(loss)}'`);
  }
}

interface ResolvedMetric extends Metric {
  /** Classification metrics compare labels: `denormalize` does not apply. */
  onLabels?: boolean;
}

function resolveMetric(metric: MetricName | Metric): ResolvedMetric {
  if (typeof metric !== 'string') return metric;
  const regression = { mae: meanAbsoluteError, mse: meanSquaredError, rmse: rootMeanSquaredError, mape: meanAbsolutePercentageError }[metric as 'mae'];
  if (regression) return { name: metric, compute: (t, p) => regression(t, p) };
  const classification = { accuracy: (t: number[], p: number[]) => accuracy(t, p), precision, recall, f1: f1Score }[metric as 'f1'];
  if (!classification) throw new ArgumentError('fit', `unknown metric '${String(metric)}'`);
  return {
    name: metric,
    onLabels: true,
    compute: (targets, predictions, shape) => {
      const width = shape.length > 1 ? shape[shape.length - 1]! : 1;
      // One column: a binary logit, positive above 0; several: the argmax class.
      const labels = width === 1 ? Array.from(predictions, (v) => (v > 0 ? 1 : 0)) : argmaxRows(predictions, width);
      return classification(Array.from(targets), labels, Math.max(width, 2));
    },
  };
}

/**
 * Host copies of every parameter value (read in one batch), for restoring a best epoch
 * with `restoreParameters`. Holds no tensors, so nothing needs releasing.
 *
 * @example
 * ```ts
 * const best = await snapshotParameters(model);
 * await fit(model, train, { epochs: 1, loss: 'mse' });
 * restoreParameters(model, best); // back to the weights before that epoch
 * ```
 */
export async function snapshotParameters(model: Module): Promise<Map<string, { values: Float32Array | Int32Array; shape: number[] }>> {
  const named = model.namedParameters();
  const values = await readMany(named.map(([, p]) => p.value));
  return new Map(named.map(([name, p], i) => [name, { values: values[i]!.slice() as Float32Array | Int32Array, shape: [...p.shape] }]));
}

/**
 * Loads values saved by `snapshotParameters` back into the model (on the backends its
 * parameters live on); names the model does not have are ignored.
 *
 * @example
 * ```ts
 * restoreParameters(model, await snapshotParameters(model)); // a no-op round trip
 * ```
 */
export function restoreParameters(model: Module, snapshot: Map<string, { values: Float32Array | Int32Array; shape: number[] }>): void {
  const current = new Map(model.namedParameters());
  const state = new Map<string, Tensor>();
  for (const [name, { values, shape }] of snapshot) {
    const p = current.get(name);
    if (p) state.set(name, tensor(values, shape, { dtype: p.value.dtype, backend: p.value.backend }));
  }
  model.loadStateDict(state, { strict: false });
}
