import { noGrad } from '../autograd/no-grad.js';
import { DTypeError, ShapeError } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { backendOf, wrap } from './util.js';

/**
 * `into + x` for an accumulator: two float32 tensors of one shape, `into` given up by
 * the caller, who disposes it right after and never reads it again. A backend with the
 * fused op writes the sum into `into`'s storage when nothing else references it (a view,
 * a saved value or another tensor sharing it keeps it intact), so summing many
 * contributions makes no new buffers: this is how backpropagation sums the gradient of a
 * weight used at every step of a sequence. Otherwise it is `add(into, x)`. Not recorded
 * on the tape.
 *
 * @example
 * ```ts
 * let total = zeros([3]);
 * for (const g of parts) {
 *   const next = addInto(total, g);
 *   total.dispose();
 *   total = next;
 * }
 * ```
 */
export function addInto(into: Tensor, x: Tensor): Tensor {
  const b = backendOf('addInto', [into, x]);
  if (!shapesEqual(into.shape, x.shape)) throw new ShapeError({ op: 'addInto', detail: 'x must have the shape of into', expected: [...into.shape], actual: [...x.shape] });
  for (const t of [into, x]) {
    if (t.dtype !== 'float32') throw new DTypeError({ op: 'addInto', detail: 'both tensors must be float32', expected: 'float32', actual: t.dtype });
  }
  return noGrad(() => {
    if (b.capabilities.fused.addInto && b.addInto) return wrap(b, b.addInto({ into: into.handleFor('addInto'), x: x.handleFor('addInto') }));
    return add(into, x);
  });
}
