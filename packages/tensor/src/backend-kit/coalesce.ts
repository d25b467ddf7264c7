import type { Shape } from '../shape-type.js';

/** An iteration space (sizes, outermost first) with one list of element strides per operand. */
export interface StridedLayout {
  shape: number[];
  strides: number[][];
}

/**
 * Merges adjacent dimensions that every operand walks as one (stride[d-1] =
 * stride[d] · shape[d]) and drops size-1 dimensions, so most elementwise and copy
 * kernels run at rank 1 or 2 whatever the tensor rank. `strides[k]` are the element
 * strides of operand k over `shape` (a row-major output needs no entry). The element
 * order is unchanged; an empty shape means a single element. Handle size 0 first.
 *
 * @example
 * ```ts
 * import { broadcastStrides, coalesce } from '@cellstate/tensor/backend-kit';
 * const out = [2, 3, 4];
 * coalesce(out, [broadcastStrides([2, 3, 4], out), broadcastStrides([4], out)]);
 * // { shape: [6, 4], strides: [[4, 1], [0, 1]] }: a [6, 4] walk with a bias row
 * ```
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): StridedLayout {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    for (let k = 0; k < strides.length && mergeable; k++) {
      if (outStrides[k]![last] !== strides[k]![d]! * n) mergeable = false;
    }
    if (mergeable) {
      outShape[last]! *= n;
      for (let k = 0; k < strides.length; k++) outStrides[k]![last] = strides[k]![d]!;
    } else {
      outShape.push(n);
      for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}
