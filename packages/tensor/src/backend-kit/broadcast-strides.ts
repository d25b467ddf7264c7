import type { Shape } from '../shape-type.js';

/**
 * Element strides for reading a row-major tensor of `shape` as if it were broadcast to
 * `outShape` (NumPy rules, aligned from the right): 0 along dimensions the input lacks
 * or has as size 1, so every output position maps to the input element it reads.
 *
 * @example
 * ```ts
 * import { broadcastStrides } from '@cellstate/tensor/backend-kit';
 * broadcastStrides([3, 1], [2, 3, 4]); // [0, 1, 0]
 * broadcastStrides([4], [2, 3, 4]); // [0, 0, 1]
 * ```
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const out = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    out[outShape.length - shape.length + i] = d === 1 ? 0 : stride;
    stride *= d;
  }
  return out;
}
