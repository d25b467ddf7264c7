/**
 * Shape and stride helpers for building kernel uniforms: broadcast strides, dimension
 * coalescing (so most ops run at rank 1 or 2 whatever the tensor rank), and the
 * maximum rank the kernels take in their uniform block.
 */
import { UnsupportedOpError, type Shape } from '@cellstate/tensor';

/** Highest rank a kernel's uniform block holds (after coalescing). */
export const MAX_RANK = 8;

export function sizeOfShape(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** Strides for reading `shape` broadcast to `outShape` (0 along broadcast dimensions). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = contiguousStrides(shape);
  const out = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const o = outShape.length - shape.length + i;
    out[o] = shape[i] === 1 ? 0 : strides[i]!;
  }
  return out;
}

/** An index space with one stride list per operand. */
export interface StridedLayout {
  shape: number[];
  strides: number[][];
}

/**
 * Drops size-1 dimensions and merges neighbours d-1, d when every operand walks them
 * as one (stride[d-1] = stride[d] * shape[d]). The element order is unchanged.
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): StridedLayout {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, k) => {
        outStrides[k]![last] = s[d]!;
      });
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

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

/** Float -> int32 as the contract converts (upload, fill, pad value): trunc toward zero, NaN -> 0, clamp. */
export function toInt32(value: number): number {
  if (Number.isNaN(value)) return 0;
  if (value >= 2147483647) return 2147483647;
  if (value <= -2147483648) return -2147483648;
  return Math.trunc(value) | 0;
}

/** The 32 bits `value` is stored as in a buffer of `dtype`. */
export function bitsOf(value: number, dtype: 'float32' | 'int32'): number {
  if (dtype === 'int32') return toInt32(value) >>> 0;
  const f = new Float32Array(1);
  f[0] = value;
  return new Uint32Array(f.buffer)[0]!;
}
