/**
 * Shape and stride helpers for building kernel uniforms: broadcast strides, dimension
 * coalescing (so most ops run at rank 1 or 2 whatever the tensor rank), and the
 * maximum rank the kernels take in their uniform block.
 */
import { UnsupportedOpError, stridesOf, type Shape } from '@cellstate/tensor';
import { product, toInt32, type StridedLayout } from '@cellstate/tensor/backend-kit';

// The layout helpers both backends need come from the kit; re-exported so the op files
// keep one import.
export { broadcastStrides, coalesce, toInt32, type StridedLayout } from '@cellstate/tensor/backend-kit';

/** Highest rank a kernel's uniform block holds (after coalescing). */
export const MAX_RANK = 8;

/** Element count of a shape. */
export const sizeOfShape: (shape: Shape) => number = product;

/** Row-major strides in elements. */
export const contiguousStrides: (shape: Shape) => number[] = stridesOf;

/** True when a coalesced layout is one run of consecutive elements in every operand (or a scalar). */
export function isContiguous(layout: StridedLayout): boolean {
  return layout.shape.length === 0 || (layout.shape.length === 1 && layout.strides.every((s) => s[0] === 1));
}

/** Throws a typed error when a layout does not fit the uniform block. */
export function checkRank(op: string, layout: StridedLayout): void {
  if (layout.shape.length > MAX_RANK) {
    throw new UnsupportedOpError(op, 'webgpu', `needs rank ${layout.shape.length} after merging dimensions; the kernels take at most ${MAX_RANK}`);
  }
}

/** The 32 bits `value` is stored as in a buffer of `dtype`. */
export function bitsOf(value: number, dtype: 'float32' | 'int32'): number {
  if (dtype === 'int32') return toInt32(value) >>> 0;
  const f = new Float32Array(1);
  f[0] = value;
  return new Uint32Array(f.buffer)[0]!;
}
