import { record } from '../autograd/tape.js';
import { ArgumentError } from '../errors.js';
import { normalizeAxes, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div } from './elementwise.js';
import { backendOf, checkDType, wrap } from './util.js';

export interface ReduceOptions {
  /** Keep reduced dimensions with size 1. */
  keepDims?: boolean;
}

/**
 * Sum over `axes` (all when omitted; negative axes count from the end).
 *
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]]), 1); // [3, 7]
 * ```
 */
export function sum(x: Tensor, axes?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  const backend = backendOf('sum', [x]);
  const ax = normalizeAxes('sum', axes, x.rank);
  const keepDims = options.keepDims ?? false;
  const out = wrap(backend, backend.sum(x.handleFor('sum'), ax, keepDims));
  record('sum', [x], [out], { axes: ax, keepDims }, {});
  return out;
}

/** Maximum over `axes`; NaN if any reduced value is NaN. The gradient is shared among ties. */
export function max(x: Tensor, axes?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  const backend = backendOf('max', [x]);
  const ax = normalizeAxes('max', axes, x.rank);
  const keepDims = options.keepDims ?? false;
  const out = wrap(backend, backend.max(x.handleFor('max'), ax, keepDims));
  record('max', [x], [out], { axes: ax, keepDims }, { inputs: [0], outputs: true });
  return out;
}

/** Mean over `axes` (composed: sum / count). @example `mean(tensor([1, 2, 3]))` gives `2`. */
export function mean(x: Tensor, axes?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  checkDType('mean', x, ['float32']);
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = sizeOf(ax.map((a) => x.shape[a]!));
  const s = sum(x, ax, options);
  const out = div(s, count);
  s.dispose();
  return out;
}

/**
 * Index (int32) of the first maximum along `axis`.
 *
 * @example
 * ```ts
 * argmax(tensor([[1, 9, 3], [7, 2, 7]]), 1); // int32 [1, 0]
 * ```
 */
export function argmax(x: Tensor, axis = -1, options: ReduceOptions = {}): Tensor {
  const backend = backendOf('argmax', [x]);
  const [a] = normalizeAxes('argmax', axis, x.rank);
  if (a === undefined) throw new ArgumentError('argmax', 'needs a tensor of rank >= 1');
  if (x.shape[a] === 0) throw new ArgumentError('argmax', `axis ${a} is empty`, { actual: [...x.shape] });
  const keepDims = options.keepDims ?? false;
  const out = wrap(backend, backend.argmax(x.handleFor('argmax'), a, keepDims));
  record('argmax', [x], [out], { axis: a, keepDims }, {});
  return out;
}
