import { ArgumentError, type Tensor } from '@cellstate/tensor';
import type { Module } from './module.js';
import type { Optimizer } from './optim/optimizer.js';
import { ReduceLROnPlateau, type LearningRateScheduler } from './optim/schedules.js';
import { NonFiniteLossError, Trainer } from './trainer.js';
import { checkNonNegativeInteger } from './check-arguments.js';

/** Per-epoch numbers, Keras' names: `loss`, `mae`, ..., and `val_loss`, `val_mae`, ... */
export type EpochLogs = Record<string, number>;

/** What `onBatchEnd` gets about the step just taken. */
export interface BatchLogs {
  /** The batch's training loss. */
  loss: number;
  /** 1-based optimizer step of the run (counting the steps of the run a resumed `fit` continues). */
  step: number;
  /** The batch's share of the epoch's `loss` log (its examples, or a task's `weight`). */
  weight: number;
  /** True when the update was left out for a non-finite loss (`onNonFinite: 'skip'`). */
  skipped: boolean;
  /** Global gradient norm before clipping. */
  gradientNorm?: number;
}

/** What callbacks get besides the logs. */
export interface FitContext {
  model: Module;
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
  onBatchEnd?(batch: number, logs: BatchLogs, context: FitContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, context: FitContext): void | Promise<void>;
  onTrainEnd?(history: History, context: FitContext): void | Promise<void>;
}

/** What `fit` returns. */
export interface History {
  /** Per name, one value per completed epoch. */
  history: Record<string, number[]>;
  /** Completed epochs (counting the `initialEpoch` ones); the lists hold the epochs this call ran. */
  epochs: number;
  /** Optimizer steps of the run when `fit` returned (counting those before `initialStep`/`initialEpoch`). */
  steps: number;
  /** Why training ended before `epochs`: early stopping, a non-finite loss, an abort. */
  stopReason?: string;
}

/**
 * A training job `fit` runs when examples-and-a-loss-name is not enough (Keras' custom
 * `train_step`): its own batch order, its own loss (per-step seeds, token-weighted
 * means, several inputs), its own validation. `fit` keeps the rest: the optimizer step
 * with clipping and the finiteness check, epochs, resuming inside an epoch, callbacks,
 * stopping, the history.
 *
 * @example
 * ```ts
 * const task: TrainingTask<number[]> = {
 *   stepsPerEpoch: 10,
 *   batches: (epoch) => batchesOf(epoch),                 // the same list for the same epoch
 *   loss: (ids, { step }) => model.loss(ids, { seed: step }), // a scalar tensor
 *   weight: (ids) => ids.length,
 *   validate: async () => ({ val_bleu: await bleuOn(valid) }),
 * };
 * await fit(model, task, { epochs: 5, optimizer: new Adam(model), callbacks: [progressLogger()] });
 * ```
 */
export interface TrainingTask<B> {
  /** Batches per epoch. */
  readonly stepsPerEpoch: number;
  /** Epoch `epoch`'s batches (0-based), in training order; the same for the same epoch, so a resumed run can skip into them. */
  batches(epoch: number): Iterable<B>;
  /**
   * The scalar loss of one batch, built inside the optimizer step (every tensor made
   * here but the loss is released after it). `step` is the 0-based optimizer step of
   * the run: derive per-step randomness (dropout, teacher forcing) from it, and a
   * resumed run draws what the uninterrupted one did.
   */
  loss(batch: B, info: { epoch: number; step: number }): Tensor;
  /** The batch's weight in the epoch's mean `loss` (its examples, its target tokens; default 1). */
  weight?(batch: B): number;
  /** Called after each epoch, in eval mode: logs to add to the epoch's (`val_*` by Keras' convention). */
  validate?(epoch: number): Promise<EpochLogs> | EpochLogs;
}

/** The options of `fit` that do not depend on how batches are made. */
export interface FitLoopOptions {
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
   * `initialStep % stepsPerEpoch` batches of the same order, so the weights end as in
   * the uninterrupted run. That epoch's `loss` log covers the batches run here.
   */
  initialStep?: number;
  /**
   * An optimizer you own (its state carries over to the next `fit`), or one by name
   * that `fit` creates with `learningRate` and releases at the end (default 'adam').
   */
  optimizer?: Optimizer | 'adam' | 'adamw' | 'sgd';
  /** Learning rate of an optimizer given by name (default 1e-3). */
  learningRate?: number;
  callbacks?: readonly Callback[];
  /** Aborting ends training after the current step (the history says 'aborted'). */
  signal?: AbortSignal;
  /** Clip the global gradient norm before each update. */
  clipGradNorm?: number;
  /** A NaN/∞ loss or gradient: 'stop' training (default, Keras' TerminateOnNaN), 'throw', or 'skip' the step. */
  onNonFinite?: 'stop' | 'throw' | 'skip';
  /** Stepped after each epoch; `ReduceLROnPlateau` with `val_loss` (or `loss`). */
  scheduler?: LearningRateScheduler | ReduceLROnPlateau;
}

/** Where a run starts: its epoch, the batches of that epoch already done, its optimizer step. */
function startOf(options: FitLoopOptions, stepsPerEpoch: number): { epoch: number; skip: number; step: number } {
  checkNonNegativeInteger('fit', 'epochs', options.epochs);
  checkNonNegativeInteger('fit', 'initialEpoch', options.initialEpoch ?? 0);
  if (options.initialStep === undefined) {
    const epoch = options.initialEpoch ?? 0;
    return { epoch, skip: 0, step: epoch * stepsPerEpoch };
  }
  checkNonNegativeInteger('fit', 'initialStep', options.initialStep);
  if (options.initialEpoch !== undefined) throw new ArgumentError('fit', 'pass initialEpoch or initialStep, not both');
  return { epoch: Math.floor(options.initialStep / stepsPerEpoch), skip: options.initialStep % stepsPerEpoch, step: options.initialStep };
}

/**
 * The loop behind `fit`: epochs of `task`'s batches, one `Trainer` step each, the
 * epoch's logs (mean loss, `validate`), the scheduler, callbacks, the history.
 * `optimizer` is the one to step (`fit` makes it from the options).
 */
export async function runFitLoop<B>(model: Module, task: TrainingTask<B>, optimizer: Optimizer, options: FitLoopOptions): Promise<History> {
  const { epochs } = options;
  const stepsPerEpoch = task.stepsPerEpoch;
  checkNonNegativeInteger('fit', 'stepsPerEpoch', stepsPerEpoch);
  const start = startOf(options, Math.max(1, stepsPerEpoch));
  const onNonFinite = options.onNonFinite ?? 'stop';
  const trainer = new Trainer({ optimizer, initialStep: start.step, onNonFinite: onNonFinite === 'skip' ? 'skip' : 'throw', ...(options.clipGradNorm !== undefined ? { clipGradNorm: options.clipGradNorm } : {}) });
  const callbacks = options.callbacks ?? [];
  let skip = start.skip;
  let step = start.step;
  const history: History = { history: {}, epochs: start.epoch, steps: step };
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
    for (let epoch = start.epoch; epoch < epochs && stopReason === undefined; epoch++) {
      for (const c of callbacks) await c.onEpochBegin?.(epoch, context);
      model.train();
      let total = 0;
      let count = 0;
      let batchIndex = 0;
      let completed = true;
      for (const batch of task.batches(epoch)) {
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
        let result;
        try {
          const info = { epoch, step };
          result = await trainer.step(() => task.loss(batch, info));
        } catch (e) {
          if (e instanceof NonFiniteLossError && onNonFinite === 'stop') {
            stopReason = `non-finite ${e.message.includes('gradient norm') ? 'gradient norm' : 'loss'} (${e.loss}) at epoch ${epoch + 1}, batch ${batchIndex + 1}`;
            completed = false;
            break;
          }
          throw e;
        }
        step++;
        history.steps = step;
        const weight = task.weight?.(batch) ?? 1;
        if (!result.skipped) {
          total += result.loss * weight;
          count += weight;
        }
        for (const c of callbacks) await c.onBatchEnd?.(batchIndex, { loss: result.loss, step, weight, skipped: result.skipped, ...(result.gradientNorm !== undefined ? { gradientNorm: result.gradientNorm } : {}) }, context);
        batchIndex++;
      }
      // A stop inside an epoch (abort, non-finite loss, a callback) leaves it unfinished:
      // it gets no logs, so the history holds complete epochs only.
      if (!completed || (stopReason !== undefined && batchIndex < stepsPerEpoch)) break;
      const logs: EpochLogs = { loss: count ? total / count : NaN };
      if (task.validate) Object.assign(logs, await inEvalMode(model, () => task.validate!(epoch)));
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
  }
}

/** Runs `fn` with `model` in eval mode, then puts the mode back. */
export async function inEvalMode<T>(model: Module, fn: () => Promise<T> | T): Promise<T> {
  const wasTraining = model.training;
  model.eval();
  try {
    return await fn();
  } finally {
    model.train(wasTraining);
  }
}
