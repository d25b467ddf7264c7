import { record } from '../autograd/tape.js';
import { isDType, type DType } from '../dtype.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { broadcastShapes, checkPermutation, concatShape, inferReshape, normalizeAxes, normalizeSlice, shapesEqual, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, wrap } from './util.js';
import { add } from './elementwise.js';
import { zeros } from './creation.js';

/**
 * Same values, new shape (one size may be -1). Metadata only: shares storage.
 *
 * @example
 * ```ts
 * reshape(tensor([1, 2, 3, 4]), [2, -1]); // [[1, 2], [3, 4]]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const backend = backendOf('reshape', [x]);
  const target = inferReshape('reshape', x.shape, shape);
  const handle = x.handleFor('reshape');
  backend.retain(handle);
  const out = new Tensor(backend, { id: handle.id, shape: target, dtype: handle.dtype });
  record('reshape', [x], [out], {}, {});
  return out;
}

/** Permutes dimensions (default: reverse them). @example `transpose(tensor([[1, 2]]))` gives `[[1], [2]]`. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const backend = backendOf('transpose', [x]);
  const p = perm ? normalizeAxesKeepOrder('transpose', perm, x.rank) : Array.from({ length: x.rank }, (_, i) => x.rank - 1 - i);
  checkPermutation('transpose', p, x.rank);
  const out = wrap(backend, backend.transpose(x.handleFor('transpose'), p));
  record('transpose', [x], [out], { perm: p }, {});
  return out;
}

function normalizeAxesKeepOrder(op: string, axes: readonly number[], rank: number): number[] {
  return axes.map((a) => (a < 0 ? a + rank : a));
}

/**
 * A block of `x`: `begin` per dimension, `size` per dimension (-1 = to the end).
 *
 * @example
 * ```ts
 * slice(tensor([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, -1]); // [[2, 3], [5, 6]]
 * ```
 */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  const backend = backendOf('slice', [x]);
  const sizes = normalizeSlice('slice', x.shape, begin, size);
  const out = wrap(backend, backend.slice(x.handleFor('slice'), [...begin], sizes));
  record('slice', [x], [out], { begin: [...begin], size: sizes }, {});
  return out;
}

/** Joins tensors along `axis`. @example `concat([tensor([1]), tensor([2, 3])], 0)` gives `[1, 2, 3]`. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ArgumentError('concat', 'needs at least one tensor');
  const backend = backendOf('concat', xs);
  const [a] = normalizeAxes('concat', axis, xs[0]!.rank);
  if (a === undefined) throw new ShapeError({ op: 'concat', detail: 'cannot concatenate scalars', actual: [] });
  for (const x of xs) {
    if (x.dtype !== xs[0]!.dtype) throw new ShapeError({ op: 'concat', detail: 'all tensors need one dtype', actual: xs.map((t) => t.dtype) });
  }
  concatShape('concat', xs.map((x) => x.shape), a);
  const out = wrap(backend, backend.concat(xs.map((x) => x.handleFor('concat')), a));
  record('concat', xs, [out], { axis: a }, {});
  return out;
}

/** Stacks same-shape tensors along a new axis. @example `stack([tensor([1, 2]), tensor([3, 4])])` gives `[[1, 2], [3, 4]]`. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ArgumentError('stack', 'needs at least one tensor');
  const rank = xs[0]!.rank + 1;
  const a = axis < 0 ? axis + rank : axis;
  const expanded = xs.map((x) => expandDims(x, a));
  const out = concat(expanded, a);
  for (const e of expanded) e.dispose();
  return out;
}

/**
 * Pads with `value`: `paddings[d] = [before, after]`.
 *
 * @example
 * ```ts
 * pad(tensor([1, 2]), [[1, 0]]); // [0, 1, 2]
 * ```
 */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  const backend = backendOf('pad', [x]);
  if (paddings.length !== x.rank || paddings.some(([b, e]) => !Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0)) {
    throw new ShapeError({ op: 'pad', detail: 'needs one [before, after] pair of non-negative integers per dimension', expected: x.rank, actual: paddings.length });
  }
  const p = paddings.map(([b, e]) => [b, e] as const);
  const out = wrap(backend, backend.pad(x.handleFor('pad'), p, value));
  record('pad', [x], [out], { paddings: p, value }, {});
  return out;
}

/** Converts dtype; float32 -> int32 truncates toward zero (NaN -> 0). @example `cast(tensor([1.7, -1.7]), 'int32')` gives `[1, -1]`. */
export function cast(x: Tensor, dtype: DType): Tensor {
  const backend = backendOf('cast', [x]);
  if (!isDType(dtype)) throw new ArgumentError('cast', `unknown dtype '${String(dtype)}'`);
  const out = wrap(backend, backend.cast(x.handleFor('cast'), dtype));
  record('cast', [x], [out], { dtype }, {});
  return out;
}

/** Inserts a size-1 dimension at `axis`. */
export function expandDims(x: Tensor, axis = 0): Tensor {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  if (a < 0 || a > x.rank) throw new ShapeError({ op: 'expandDims', detail: `axis ${axis} is out of range`, actual: [...x.shape] });
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 dimensions (all, or those in `axes`). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const ax = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axes, x.rank);
  for (const a of ax) if (x.shape[a] !== 1) throw new ShapeError({ op: 'squeeze', detail: `dimension ${a} has size ${x.shape[a]}, not 1`, actual: [...x.shape] });
  return reshape(x, x.shape.filter((_, i) => !ax.includes(i)));
}

/** Repeats values along size-1 dimensions to reach `shape` (composed: x + zeros). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(target, shape)) throw new ShapeError({ op: 'broadcastTo', detail: 'cannot broadcast', expected: [...shape], actual: [...x.shape] });
  if (shapesEqual(x.shape, shape)) return reshape(x, shape);
  const z = zeros(shape, { dtype: x.dtype, backend: x.backend });
  const out = add(x, z);
  z.dispose();
  return out;
}

/** Splits along `axis` into pieces of the given sizes. */
export function split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const [a] = normalizeAxes('split', axis, x.rank);
  if (a === undefined || sizes.reduce((p, s) => p + s, 0) !== x.shape[a]) {
    throw new ShapeError({ op: 'split', detail: `sizes must add up to dimension ${axis}`, expected: a === undefined ? 'rank >= 1' : x.shape[a], actual: [...sizes] });
  }
  let offset = 0;
  return sizes.map((s) => {
    const begin = x.shape.map((_, i) => (i === a ? offset : 0));
    const size = x.shape.map((d, i) => (i === a ? s : d));
    offset += s;
    return slice(x, begin, size);
  });
}

/**
 * Splits `x` along `axis` into its `x.shape[axis]` slices, each without that axis. One
 * tape node for all slices, whose gradient is one `stack` of the slice gradients, so a
 * per-step loop over a long sequence costs O(T) in backward (T separate slices would
 * each pad their gradient back to the full size: O(T²)).
 *
 * @example
 * ```ts
 * const steps = unstack(projected, 0); // [T, B, 4H] -> T tensors [B, 4H]
 * ```
 */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  const backend = backendOf('unstack', [x]);
  const [a] = normalizeAxes('unstack', axis, x.rank);
  if (a === undefined) throw new ShapeError({ op: 'unstack', detail: 'cannot unstack a scalar', actual: [] });
  const n = x.shape[a]!;
  const pieceShape = x.shape.filter((_, i) => i !== a);
  const handle = x.handleFor('unstack');
  const outs: Tensor[] = [];
  for (let k = 0; k < n; k++) {
    const begin = x.shape.map((_, i) => (i === a ? k : 0));
    const size = x.shape.map((d, i) => (i === a ? 1 : d));
    const sliced = backend.slice(handle, begin, size);
    outs.push(new Tensor(backend, { id: sliced.id, shape: pieceShape, dtype: sliced.dtype }));
  }
  record('unstack', [x], outs, { axis: a }, {});
  return outs;
}
