import type { Callback } from '../fit.js';
import type { Module } from '../module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LearningRateScheduler, ReduceLROnPlateau } from '../optim/schedules.js';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from './checkpoint-file.js';

export interface TrainingCheckpointOptions {
  /** Save after every `every`-th epoch (default 1). */
  every?: number;
}

/**
 * A `fit` callback that saves a training checkpoint (weights, optimizer moments, dropout
 * stream positions, the completed epoch count, the scheduler's state) to `path`
 * atomically after each epoch, for `resumeTraining`. Pass `fit` an optimizer you own:
 * one given by name is created inside `fit` and cannot be restored into.
 *
 * @example
 * ```ts
 * const optimizer = new Adam(model, { learningRate: 1e-3 });
 * await fit(model, train, { epochs: 20, loss: 'mse', optimizer, callbacks: [trainingCheckpoint('run.safetensors')] });
 * ```
 */
export function trainingCheckpoint(path: string, options: TrainingCheckpointOptions = {}): Callback {
  const every = options.every ?? 1;
  return {
    async onEpochEnd(epoch, _logs, context) {
      if ((epoch + 1) % every !== 0) return;
      const scheduler = context.scheduler?.stateDict();
      await saveTrainingCheckpoint(path, {
        model: context.model,
        optimizer: context.optimizer,
        step: context.optimizer.stepCount,
        epoch: epoch + 1,
        ...(scheduler ? { extra: { scheduler } } : {}),
      });
    },
  };
}

/**
 * Loads a checkpoint written by `trainingCheckpoint` into `model`, `optimizer` (and
 * `scheduler`) and returns the epoch to pass to `fit` as `initialEpoch`: with the same
 * data, seed and options, the resumed run ends with the weights of an uninterrupted one.
 *
 * @example
 * ```ts
 * const initialEpoch = await resumeTraining('run.safetensors', { model, optimizer });
 * await fit(model, train, { epochs: 20, initialEpoch, loss: 'mse', optimizer, callbacks: [trainingCheckpoint('run.safetensors')] });
 * ```
 */
export async function resumeTraining(path: string, targets: { model: Module; optimizer: Optimizer; scheduler?: LearningRateScheduler | ReduceLROnPlateau }): Promise<number> {
  const state = await loadTrainingCheckpoint(path, { model: targets.model, optimizer: targets.optimizer });
  const scheduler = state.extra?.scheduler;
  if (targets.scheduler && scheduler) targets.scheduler.loadStateDict(scheduler as Record<string, number>);
  return state.epoch ?? 0;
}
