import type { Shape } from '../shape-type.js';

/**
 * Product of `shape[from..to)`: the sizes before and after an axis, which turn an
 * axis-wise op into a loop over [outer, axis, inner].
 *
 * @example
 * ```ts
 * import { product } from '@cellstate/tensor/backend-kit';
 * const shape = [2, 3, 4];
 * product(shape); // 24
 * product(shape, 0, 1); // 2 (outer of axis 1)
 * product(shape, 2); // 4 (inner of axis 1)
 * ```
 */
export function product(shape: Shape, from = 0, to = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i]!;
  return n;
}

/**
 * The shape after reducing `axes` (normalised: sorted, distinct, in range) of `shape`:
 * reduced dimensions become 1 with `keepDims`, else they are dropped.
 *
 * @example
 * ```ts
 * import { reducedShape } from '@cellstate/tensor/backend-kit';
 * reducedShape([2, 3, 4], [1], true); // [2, 1, 4]
 * reducedShape([2, 3, 4], [0, 2], false); // [3]
 * ```
 */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}
