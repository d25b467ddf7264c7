import { Dataset, fit, type BatchLogs, type Callback, type CheckpointableOptimizer, type EpochLogs, type FitLoopOptions, type FitModel, type FitOptions, type History, type Module, type Optimizer, type Sample, type TrainingTask } from '@cellstate/nn';
import type { TrainLoopContext } from './training-module.js';

/** `fit`'s options inside a worker: the optimizer is one you own (checkpoints save its state). */
export type WorkerFitOptions = Omit<FitOptions, 'optimizer' | 'initialEpoch' | 'initialStep' | 'signal' | 'validationSplit'> & {
  optimizer: Optimizer & CheckpointableOptimizer;
};

/** `fit`'s options for a `TrainingTask` inside a worker, with the run's length and per-step metrics. */
export type WorkerTaskFitOptions = Omit<FitLoopOptions, 'optimizer' | 'initialEpoch' | 'initialStep' | 'signal'> & {
  optimizer: Optimizer & CheckpointableOptimizer;
  /** End the run after this many steps (default: `epochs` × the task's `stepsPerEpoch`); the total the page's progress and ETA use. */
  maxSteps?: number;
  /**
   * Metrics sent with each step besides the last epoch's logs (a batch accuracy, a
   * validation run at chosen steps); awaited before the step is reported.
   */
  stepMetrics?: (logs: BatchLogs) => Record<string, number> | undefined | Promise<Record<string, number> | undefined>;
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
export async function fitInWorker(context: TrainLoopContext, model: FitModel, data: Dataset<Sample>, options: WorkerFitOptions): Promise<History>;
export async function fitInWorker<B>(context: TrainLoopContext, model: Module, task: TrainingTask<B>, options: WorkerTaskFitOptions): Promise<History>;
export async function fitInWorker<B>(context: TrainLoopContext, model: Module, data: Dataset<Sample> | TrainingTask<B>, options: WorkerFitOptions | WorkerTaskFitOptions): Promise<History> {
  const isTask = !(data instanceof Dataset);
  const stepsPerEpoch = isTask ? data.stepsPerEpoch : Math.ceil(data.length / ((options as WorkerFitOptions).batchSize ?? 32));
  const { maxSteps, stepMetrics, ...fitOptions } = options as WorkerTaskFitOptions;
  const total = Math.min(maxSteps ?? Infinity, options.epochs * stepsPerEpoch);
  const start = await context.track(model, options.optimizer, total);
  let epochLogs: EpochLogs = {};
  let epoch = Math.floor(start / Math.max(1, stepsPerEpoch));
  const report: Callback = {
    onEpochBegin: (e) => void (epoch = e),
    // `report` throws TrainingCancelled on cancel: it leaves fit through its cleanup.
    onBatchEnd: async (_batch, logs, fitContext) => {
      const extra = await stepMetrics?.(logs);
      await context.report({ loss: logs.loss, metrics: { ...epochLogs, ...extra }, epoch: epoch + 1 });
      if (logs.step >= total && total < options.epochs * stepsPerEpoch) fitContext.stop(`maxSteps (${total})`);
    },
    onEpochEnd: (_e, logs) => void (epochLogs = { ...logs }),
  };
  const run = { ...fitOptions, initialStep: start, signal: context.signal, callbacks: [...(options.callbacks ?? []), report] };
  return isTask ? fit(model, data, run) : fit(model as FitModel, data, run as WorkerFitOptions & typeof run);
}
