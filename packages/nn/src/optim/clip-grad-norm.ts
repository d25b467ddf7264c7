import { ArgumentError, abs, add, div, exp, log, max, maximum, minimum, mul, noGrad, scalar, scope, sqrt, square, sum, sumOfSquares, type Tensor } from '@cellstate/tensor';

export interface ClipGradNormOptions {
  /** p of the p-norm: 2 (default), 1, any p > 0, or Infinity (largest |g|). */
  normType?: number;
}

export interface ClipGradNormResult {
  /** The norm of all gradients together, before clipping (a scalar tensor the caller owns). */
  totalNorm: Tensor;
  /** Same keys, scaled gradients (new tensors the caller owns). */
  gradients: Map<Tensor, Tensor>;
}

/**
 * PyTorch's `clip_grad_norm_`, without mutation: the total norm of all gradients
 * (viewed as one vector) is computed on the device, every gradient is multiplied by
 * min(maxNorm / (total + 1e-6), 1), and the scaled copies are returned with the
 * total norm. Nothing is read back and nothing the caller owns is disposed. A
 * non-finite total norm propagates (NaN gradients stay NaN), as in PyTorch.
 *
 * @example
 * ```ts
 * const grads = backward(loss);
 * const { totalNorm, gradients } = clipGradNorm(grads, 1.0);
 * optimizer.step(gradients);
 * ```
 */
export function clipGradNorm(gradients: ReadonlyMap<Tensor, Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): ClipGradNormResult {
  const entries = [...gradients];
  const { totalNorm, scale } = gradNormScale(gradients, maxNorm, options);
  return noGrad(() =>
    scope(() => {
      const clipped = new Map<Tensor, Tensor>(entries.map(([key, g]) => [key, mul(g, scale)]));
      scale.dispose();
      return { totalNorm, gradients: clipped };
    }),
  );
}

/** What `gradNormScale` returns (two scalar tensors the caller owns). */
export interface GradNormScaleResult {
  /** The norm of all gradients together. */
  totalNorm: Tensor;
  /** min(maxNorm / (totalNorm + 1e-6), 1): the factor `clipGradNorm` multiplies every gradient by. */
  scale: Tensor;
}

/**
 * The clipping coefficient of `clipGradNorm` without the clipped copies: hand `scale`
 * to `optimizer.step(gradients, { gradScale: scale })` and the optimizer applies it
 * inside its update (Adam's fused step does so for free). Same norm, same numbers.
 *
 * @example
 * ```ts
 * const grads = backward(loss);
 * const { scale } = gradNormScale(grads, 1.0);
 * optimizer.step(grads, { gradScale: scale });
 * ```
 */
export function gradNormScale(gradients: ReadonlyMap<Tensor, Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): GradNormScaleResult {
  const p = options.normType ?? 2;
  if (!(maxNorm >= 0)) throw new ArgumentError('clipGradNorm', `maxNorm must be a non-negative number, got ${maxNorm}`);
  if (!(p > 0)) throw new ArgumentError('clipGradNorm', `normType must be positive (or Infinity), got ${p}`);
  const entries = [...gradients];
  if (entries.length === 0) return { totalNorm: scalar(0), scale: scalar(1) };
  if (p === 2) {
    // One pass over every gradient (the fused sumOfSquares where the backend has it):
    // no g² tensors, one scalar per step instead of two ops per parameter.
    return noGrad(() =>
      scope(() => {
        const total = sqrt(sumOfSquares(entries.map(([, g]) => g)));
        return { totalNorm: total, scale: minimum(div(maxNorm, add(total, 1e-6)), 1) };
      }),
    );
  }
  return noGrad(() =>
    scope(() => {
      const parts = entries.map(([, g]) => {
        if (p === Infinity) return max(abs(g));
        if (p === 2) return sum(square(g));
        if (p === 1) return sum(abs(g));
        return sum(exp(mul(log(abs(g)), p))); // Σ|g|^p; |g| = 0 gives exp(-inf) = 0
      });
      let total = parts[0]!;
      for (const part of parts.slice(1)) total = p === Infinity ? maximum(total, part) : add(total, part);
      if (p === 2) total = sqrt(total);
      else if (p !== 1 && p !== Infinity) total = exp(div(log(total), p));
      const scale = minimum(div(maxNorm, add(total, 1e-6)), 1);
      return { totalNorm: total, scale };
    }),
  );
}
