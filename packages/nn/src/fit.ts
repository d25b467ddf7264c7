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
import { inEvalMode, runFitLoop, type EpochLogs, type FitLoopOptions, type History, type TrainingTask } from './fit-loop.js';

export type { BatchLogs, Callback, EpochLogs, FitContext, FitLoopOptions, History, TrainingTask } from './fit-loop.js';

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

/** `fit` on a `Dataset`: the loop's options plus how examples become batches and a loss. */
export interface FitOptions extends FitLoopOptions {
  /** Examples per step (default 32). */
  batchSize?: number;
  loss: LossName | LossFunction;
  /** Data evaluated after each epoch (`val_*` logs). */
  validation?: Dataset<Sample>;
  /** Hold out this last fraction of `data` for validation instead (Keras: not shuffled first). */
  validationSplit?: number;
  metrics?: readonly (MetricName | Metric)[];
  /** Reshuffle the training data every epoch (default true), seeded by `seed` (default 0). */
  shuffle?: boolean;
  seed?: number;
  /**
   * Batch examples of similar length together (`Dataset.bucketBatches`), given each
   * example's length: less padding for variable-length sequences.
   */
  bucketBy?: (sample: Sample) => number;
}

/**
 * Trains `model` on `data` for `epochs`, Keras' `model.fit`: shuffled batches, one
 * `Trainer` step each (forward, backward, optional clipping, a finiteness check,
 * update), validation and metrics after each epoch, callbacks, and a history. Batches
 * are collated from plain numbers and released: no `dispose()` on the caller's side.
 * Variable-length inputs are padded and their lengths passed as `forward(x, { lengths })`.
 *
 * Given a `TrainingTask` instead of a `Dataset`, the task makes the batches, the loss
 * and the validation logs (a custom training step) and `fit` runs the rest.
 *
 * @example
 * ```ts
 * const { train, validation } = timeSeriesSplit(sales, { lookback: 28 });
 * const model = new Sequential([new LSTM({ inputSize: 1, hiddenSize: 32, batchFirst: true }), new LastStep(), new Linear(32, 1)]);
 * const history = await fit(model, train, { epochs: 20, validation, loss: 'mse', metrics: ['rmse'], callbacks: [earlyStopping({ patience: 3 })] });
 * console.log(history.history.val_rmse);
 * ```
 */
export async function fit(model: FitModel, data: Dataset<Sample>, options: FitOptions): Promise<History>;
export async function fit<B>(model: Module, task: TrainingTask<B>, options: FitLoopOptions): Promise<History>;
export async function fit<B>(model: Module, data: Dataset<Sample> | TrainingTask<B>, options: FitOptions | FitLoopOptions): Promise<History> {
  if (!(data instanceof Dataset)) return withOptimizer(model, options, (optimizer) => runFitLoop(model, data, optimizer, options));
  const o = options as FitOptions;
  const batchSize = o.batchSize ?? 32;
  if (o.validation && o.validationSplit !== undefined) throw new ArgumentError('fit', 'pass validation or validationSplit, not both');
  const [train, validation] = o.validationSplit !== undefined ? data.split(o.validationSplit) : [data, o.validation];
  if (train.length === 0) throw new ArgumentError('fit', 'no training examples');
  const lossFn = resolveLoss(o.loss);
  const yDtype = o.loss === 'crossEntropy' ? 'int32' : 'float32';
  const forwardModel = model as FitModel;
  const task: TrainingTask<Sample[]> = {
    stepsPerEpoch: Math.ceil(train.length / batchSize),
    batches: (epoch) => {
      const order = { batchSize, ...(o.shuffle ?? true ? { shuffleSeed: o.seed ?? 0, epoch } : {}) };
      return o.bucketBy ? train.bucketBatches({ ...order, length: o.bucketBy }) : train.batches(order);
    },
    // Collated inside the step: the step's scope releases the batch tensors with the rest.
    loss: (batch) => {
      const { x, y, lengths } = collate(batch, { yDtype });
      return lossFn(callForward(forwardModel, x, lengths), y);
    },
    weight: (batch) => batch.length,
    validate: async () => {
      const logs: EpochLogs = {};
      if (o.metrics?.length) Object.assign(logs, (await evaluate(forwardModel, train, { loss: lossFn, yDtype, metrics: o.metrics, batchSize })).metrics);
      if (validation && validation.length > 0) {
        const v = await evaluate(forwardModel, validation, { loss: lossFn, yDtype, metrics: o.metrics ?? [], batchSize });
        logs.val_loss = v.loss;
        for (const [name, value] of Object.entries(v.metrics)) logs[`val_${name}`] = value;
      }
      return logs;
    },
  };
  return withOptimizer(model, o, (optimizer) => runFitLoop(model, task, optimizer, o));
}

/** Runs `fn` with the options' optimizer; one made here from a name is released after. */
async function withOptimizer<T>(model: Module, options: FitLoopOptions, fn: (optimizer: Optimizer) => Promise<T>): Promise<T> {
  const optimizer = makeOptimizer(model, options.optimizer ?? 'adam', options.learningRate ?? 1e-3);
  try {
    return await fn(optimizer);
  } finally {
    if (typeof options.optimizer !== 'object') optimizer.dispose();
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
