import { noGrad } from '../autograd/no-grad.js';
import type { Backend } from '../backend/backend.js';
import { sumOfSquaresReference } from '../backend/fused-reference.js';
import { DTypeError } from '../errors.js';
import { getBackend } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { backendOf, wrap } from './util.js';

/**
 * Σ x² over every element of every tensor in `xs`, as one float32 scalar: the squared
 * L2 norm of a set of gradients, for clipping. Backends with the fused kernel read each
 * tensor once and make no x² tensors (the CPU backend sums in float64). Not recorded on
 * the tape (it measures gradients; it is not part of a model). An empty list gives 0 on
 * `backend` (default: the current backend).
 *
 * @example
 * ```ts
 * const norm = sqrt(sumOfSquares([...grads.values()]));
 * ```
 */
export function sumOfSquares(xs: readonly Tensor[], backend?: Backend): Tensor {
  const b = xs.length > 0 ? backendOf('sumOfSquares', xs) : (backend ?? getBackend());
  for (const x of xs) {
    if (x.dtype !== 'float32') throw new DTypeError({ op: 'sumOfSquares', detail: 'every tensor must be float32', expected: 'float32', actual: x.dtype });
  }
  return noGrad(() => {
    if (b.capabilities.fused.sumOfSquares && b.sumOfSquares) {
      return wrap(b, b.sumOfSquares({ xs: xs.map((x) => x.handleFor('sumOfSquares')) }));
    }
    return sumOfSquaresReference(xs, b);
  });
}
