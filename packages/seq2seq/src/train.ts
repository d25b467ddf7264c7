import { gradNormScale, type Optimizer } from '@cellstate/nn';
import { backward, scope, type Tensor } from '@cellstate/tensor';
import type { Seq2SeqBatch } from './batch.js';
import type { Seq2Seq } from './seq2seq-model.js';

/** Options of `trainStep`. */
export interface TrainStepOptions {
  /** Seed of this step's dropout masks and teacher-forcing coins (derive it from the run seed and the step). */
  seed: number;
  /** Probability of feeding the gold previous token (default 1). */
  teacherForcing?: number;
  /** Clip the global gradient norm to this (default 1; 0 or Infinity = no clipping). */
  clipNorm?: number;
  /** Label smoothing ε (default 0). */
  labelSmoothing?: number;
  /** Shortlist softmax size (see `LossOptions.shortlist`; default 0 = full softmax). */
  shortlist?: number;
}

/**
 * One optimisation step: loss, backward, clipping, optimizer update, all inside
 * `scope()`, so nothing but the returned scalar loss (and the updated parameters and
 * optimizer slots) survives. The caller owns and disposes the loss.
 *
 * @example
 * ```ts
 * const loss = trainStep(model, optimizer, batch, { seed: deriveSeed(runSeed, step) });
 * losses.push(loss); // read many at once later with readMany
 * ```
 */
export function trainStep(model: Seq2Seq, optimizer: Optimizer, batch: Seq2SeqBatch, options: TrainStepOptions): Tensor {
  const clip = options.clipNorm ?? 1;
  return scope(() => {
    const { loss } = model.loss(batch, {
      seed: options.seed,
      teacherForcing: options.teacherForcing ?? 1,
      labelSmoothing: options.labelSmoothing ?? 0,
      shortlist: options.shortlist ?? 0,
    });
    const gradients = backward(loss);
    // Clipping as a scale the optimizer folds into its update (no clipped copies).
    const scale = clip > 0 && Number.isFinite(clip) ? gradNormScale(gradients, clip).scale : undefined;
    optimizer.step(gradients, scale ? { gradScale: scale } : {});
    return loss;
  });
}
