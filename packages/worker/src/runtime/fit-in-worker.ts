import { fit, type Callback, type CheckpointableOptimizer, type Dataset, type EpochLogs, type FitModel, type FitOptions, type History, type Optimizer, type Sample } from '@cellstate/nn';
import type { TrainLoopContext } from './training-module.js';

/** `fit`'s options inside a worker: the optimizer is one you own (checkpoints save its state). */
export type WorkerFitOptions = Omit<FitOptions, 'optimizer' | 'initialEpoch' | 'initialStep' | 'signal' | 'validationSplit'> & {
  optimizer: Optimizer & CheckpointableOptimizer;
};

/**
 * `fit` (from `@cellstate/nn`) as a loop-style training module's loop: every step is
 * reported to the main thread (progress with the loss, the last epoch's logs as metrics,
 * the ETA), pausing waits between steps, cancelling ends `fit` after the current step,
 * and checkpoints hold the model and the optimizer. A run resumed from a checkpoint
 * (`resumeFrom`) continues at its step, inside an epoch if need be (`fit`'s
 * `initialStep`), and ends with the uninterrupted run's weights.
 *
 * @example
 * ```ts
 * // forecast-training.ts, the training module
 * import '@cellstate/backend-cpu';
 * import { Adam, Linear, Sequential, LastStep, timeSeriesSplit } from '@cellstate/nn';
 * import { LSTM } from '@cellstate/lstm';
 * import { fitInWorker, type TrainLoopContext } from '@cellstate/worker/runtime';
 * export async function train(context: TrainLoopContext) {
 *   const { train, validation } = timeSeriesSplit(context.options.series, { lookback: 28 });
 *   const model = new Sequential([new LSTM({ inputSize: 1, hiddenSize: 32, batchFirst: true }), new LastStep(), new Linear(32, 1)]);
 *   const optimizer = new Adam(model, { learningRate: 1e-2 });
 *   await fitInWorker(context, model, train, { epochs: 20, validation, loss: 'mse', optimizer });
 * }
 * ```
 */
export async function fitInWorker(context: TrainLoopContext, model: FitModel, data: Dataset<Sample>, options: WorkerFitOptions): Promise<History> {
  const stepsPerEpoch = Math.ceil(data.length / (options.batchSize ?? 32));
  const start = await context.track(model, options.optimizer, options.epochs * stepsPerEpoch);
  let epochLogs: EpochLogs = {};
  let epoch = Math.floor(start / Math.max(1, stepsPerEpoch));
  const report: Callback = {
    onEpochBegin: (e) => void (epoch = e),
    // `report` throws TrainingCancelled on cancel: it leaves fit through its cleanup.
    onBatchEnd: (_batch, logs) => context.report({ loss: logs.loss, metrics: epochLogs, epoch: epoch + 1 }),
    onEpochEnd: (_e, logs) => void (epochLogs = { ...logs }),
  };
  return fit(model, data, { ...options, initialStep: start, signal: context.signal, callbacks: [...(options.callbacks ?? []), report] });
}
