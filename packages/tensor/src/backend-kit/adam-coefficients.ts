import type { AdamStepArgs } from '../backend/fused-ops.js';

/** The numbers of a fused Adam / AdamW step (`AdamStepArgs` without the tensors). */
export type AdamHyperparameters = Pick<AdamStepArgs, 'step' | 'learningRate' | 'beta1' | 'beta2' | 'epsilon' | 'weightDecay' | 'decoupledWeightDecay'>;

/** Per-step constants of an Adam update, derived once from the hyperparameters. */
export interface AdamCoefficients {
  /** Added to the gradient as l2·param (Adam with L2); 0 for AdamW or no decay. */
  l2: number;
  /** The parameter is multiplied by it first (AdamW: 1 - lr·weightDecay); 1 otherwise. */
  decay: number;
  /** lr / (1 - β1^step): the learning rate with m's bias correction folded in. */
  stepSize: number;
  /** sqrt(1 - β2^step): v's bias correction, divided out of sqrt(v'). */
  sqrtBiasCorrection2: number;
}

/**
 * The per-step constants of the update every backend computes as
 *
 *     g = scale·grad + l2·param;  m' = β1·m + (1-β1)·g;  v' = β2·v + (1-β2)·g²
 *     param' = decay·param - stepSize · m' / (sqrt(v') / sqrtBiasCorrection2 + ε)
 *
 * @example
 * ```ts
 * import { adamCoefficients } from '@cellstate/tensor/backend-kit';
 * const c = adamCoefficients({ step: 1, learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, decoupledWeightDecay: true });
 * c.decay; // 0.999 (AdamW)
 * c.stepSize; // 0.1 / (1 - 0.9) = 1
 * ```
 */
export function adamCoefficients(hyper: AdamHyperparameters): AdamCoefficients {
  const { learningRate: lr, beta1, beta2, weightDecay } = hyper;
  return {
    l2: weightDecay !== 0 && !hyper.decoupledWeightDecay ? weightDecay : 0,
    decay: weightDecay !== 0 && hyper.decoupledWeightDecay ? 1 - lr * weightDecay : 1,
    stepSize: lr / (1 - beta1 ** hyper.step),
    sqrtBiasCorrection2: Math.sqrt(1 - beta2 ** hyper.step),
  };
}
