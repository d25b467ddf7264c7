import { gradNormScale, NonFiniteLossError, type Optimizer } from '@cellstate/nn';
import { backward, readMany, scope, type Tensor } from '@cellstate/tensor';
import type { Seq2SeqBatch } from './batch.js';
import type { LossOptions, Seq2Seq } from './seq2seq-model.js';

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

/** The loss options of a training step: the step's defaults (full teacher forcing, no smoothing, no shortlist). */
function lossOptions(options: TrainStepOptions): LossOptions {
  return {
    seed: options.seed,
    teacherForcing: options.teacherForcing ?? 1,
    labelSmoothing: options.labelSmoothing ?? 0,
    shortlist: options.shortlist ?? 0,
  };
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
    const { loss } = model.loss(batch, lossOptions(options));
    const gradients = backward(loss);
    // Clipping as a scale the optimizer folds into its update (no clipped copies).
    const scale = clip > 0 && Number.isFinite(clip) ? gradNormScale(gradients, clip).scale : undefined;
    optimizer.step(gradients, scale ? { gradScale: scale } : {});
    return loss;
  });
}

/** What `trainStepChecked` did. */
export interface CheckedStepResult {
  loss: number;
  /** Global gradient norm before clipping. */
  gradientNorm: number;
  /** True when the update was skipped because the loss or the gradient norm was not finite. */
  skipped: boolean;
}

/**
 * `trainStep` that reads the loss and the gradient norm before updating (one read per
 * step, so slower on a GPU) and never applies a non-finite update: with
 * `onNonFinite: 'throw'` (default) it throws @cellstate/nn's `NonFiniteLossError`
 * naming `step`; with `'skip'` the parameters and the optimizer stay as they were and
 * the result says `skipped`.
 */
export async function trainStepChecked(model: Seq2Seq, optimizer: Optimizer, batch: Seq2SeqBatch, options: TrainStepOptions & { step: number; onNonFinite?: 'throw' | 'skip' }): Promise<CheckedStepResult> {
  const clip = options.clipNorm ?? 1;
  const prepared = scope(() => {
    const { loss } = model.loss(batch, lossOptions(options));
    const gradients = backward(loss);
    // The norm is needed for the check even without clipping; a huge max norm gives scale 1.
    const { totalNorm, scale } = gradNormScale(gradients, clip > 0 && Number.isFinite(clip) ? clip : Number.MAX_VALUE);
    return { loss, gradients, totalNorm, scale };
  });
  try {
    const [lossValues, normValues] = await readMany([prepared.loss, prepared.totalNorm]);
    const loss = lossValues![0]!;
    const gradientNorm = normValues![0]!;
    const bad = !Number.isFinite(loss) ? ('loss' as const) : !Number.isFinite(gradientNorm) ? ('gradient norm' as const) : null;
    if (bad) {
      if ((options.onNonFinite ?? 'throw') === 'throw') throw new NonFiniteLossError(options.step, bad === 'loss' ? loss : gradientNorm, bad);
      return { loss, gradientNorm, skipped: true };
    }
    optimizer.step(prepared.gradients, clip > 0 && Number.isFinite(clip) ? { gradScale: prepared.scale } : {});
    return { loss, gradientNorm, skipped: false };
  } finally {
    for (const t of [prepared.loss, prepared.totalNorm, prepared.scale, ...prepared.gradients.values()]) t.dispose();
  }
}
