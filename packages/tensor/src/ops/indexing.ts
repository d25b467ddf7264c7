import { record } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { gatherShape, normalizeAxes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, checkDType, wrap } from './util.js';

/**
 * Picks slices of `x` along `axis` at int32 `indices`:
 * out.shape = x.shape[:axis] + indices.shape + x.shape[axis+1:]. An index outside
 * [0, x.shape[axis]) reads zeros (no device can throw mid-kernel; validate ids upstream).
 *
 * @example
 * ```ts
 * const vectors = gather(embeddingTable, tokenIds, 0); // [V, E] at [B, T] -> [B, T, E]
 * ```
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  const backend = backendOf('gather', [x, indices]);
  checkDType('gather', indices, ['int32'], 'indices');
  const [a] = normalizeAxes('gather', axis, x.rank);
  if (a === undefined) throw new ShapeError({ op: 'gather', detail: 'x must have rank >= 1', actual: [] });
  const out = wrap(backend, backend.gather(x.handleFor('gather'), indices.handleFor('gather'), a));
  record('gather', [x, indices], [out], { axis: a }, { inputs: [1] });
  return out;
}

/**
 * x plus `updates` added at `indices` along `axis` (repeated indices accumulate;
 * out-of-range ones are ignored). The adjoint of `gather`.
 *
 * @example
 * ```ts
 * scatterAdd(zeros([3]), tensor([0, 0, 2], [3], { dtype: 'int32' }), tensor([1, 2, 5])); // [3, 0, 5]
 * ```
 */
export function scatterAdd(x: Tensor, indices: Tensor, updates: Tensor, axis = 0): Tensor {
  const backend = backendOf('scatterAdd', [x, indices, updates]);
  checkDType('scatterAdd', indices, ['int32'], 'indices');
  if (updates.dtype !== x.dtype) checkDType('scatterAdd', updates, [x.dtype], 'updates');
  const [a] = normalizeAxes('scatterAdd', axis, x.rank);
  if (a === undefined) throw new ShapeError({ op: 'scatterAdd', detail: 'x must have rank >= 1', actual: [] });
  const expected = gatherShape(x.shape, indices.shape, a);
  if (!shapesEqual(expected, updates.shape)) {
    throw new ShapeError({ op: 'scatterAdd', detail: 'updates must have shape x.shape[:axis] + indices.shape + x.shape[axis+1:]', expected, actual: [...updates.shape] });
  }
  const out = wrap(backend, backend.scatterAdd(x.handleFor('scatterAdd'), indices.handleFor('scatterAdd'), updates.handleFor('scatterAdd'), a));
  record('scatterAdd', [x, indices, updates], [out], { axis: a }, { inputs: [1] });
  return out;
}
