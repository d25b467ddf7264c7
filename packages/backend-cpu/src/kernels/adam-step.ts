import { adamCoefficients, type AdamHyperparameters } from '@cellstate/tensor/backend-kit';

/**
 * Fused Adam / AdamW step, elementwise over any shape, as PyTorch's torch.optim.Adam
 * and AdamW compute it (and `adamStepReference` composes it):
 *
 *     g = scale·grad (+ weightDecay·param for Adam with L2);  p = param (·(1 - lr·weightDecay) for AdamW)
 *     m' = β1·m + (1-β1)·g;   v' = β2·v + (1-β2)·g²
 *     param' = p - (lr / (1-β1^step)) · m' / (sqrt(v') / sqrt(1-β2^step) + ε)
 *
 *     param, grad, m, v [...] -> paramOut, mOut, vOut [...] (same size)
 *
 * The outputs may be the input arrays themselves (an in-place update): each element is
 * read before it is written.
 *
 * Every element is computed in float64 and rounded once per output.
 */
export function adamStep(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  scale: number,
  hyper: AdamHyperparameters,
  paramOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
): void {
  const { beta1, beta2, epsilon } = hyper;
  const { l2, decay, stepSize, sqrtBiasCorrection2: sqrtC2 } = adamCoefficients(hyper);
  const n = param.length;
  for (let k = 0; k < n; k++) {
    const p0 = param[k]!;
    const g = l2 === 0 ? grad[k]! * scale : grad[k]! * scale + p0 * l2;
    const mk = beta1 * m[k]! + (1 - beta1) * g;
    const vk = beta2 * v[k]! + (1 - beta2) * g * g;
    paramOut[k] = p0 * decay - (mk / (Math.sqrt(vk) / sqrtC2 + epsilon)) * stepSize;
    mOut[k] = mk;
    vOut[k] = vk;
  }
}
