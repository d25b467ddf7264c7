import type { DType, Shape, TensorData } from '@cellstate/tensor';

/**
 * Small shape helpers the kernels share. `@cellstate/tensor` keeps its own versions
 * internal (only `sizeOf`, `stridesOf`, `broadcastShapes`, `shapesEqual` are public),
 * so the few the kernels need live here.
 */

/** Allocates a zeroed typed array for `dtype`. */
export function allocate(dtype: DType, size: number): TensorData {
  return dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
}

/**
 * Float -> int32 conversion used by upload, fill, pad values and cast: truncates
 * toward zero, maps NaN to 0 and clamps to [-2147483648, 2147483647] (no wrapping).
 */
export function toInt32(v: number): number {
  // NaN fails both comparisons and `NaN | 0` is 0; in-range values truncate via `| 0`.
  return v >= 2147483647 ? 2147483647 : v <= -2147483648 ? -2147483648 : v | 0;
}

/** The dtype a typed array holds. */
export function dtypeOf(data: TensorData): DType {
  return data instanceof Int32Array ? 'int32' : 'float32';
}

/**
 * Strides for reading `shape` as if broadcast to `outShape`: 0 where the input
 * dimension is 1 or missing, the real row-major stride elsewhere.
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

/** Shape after reducing `axes` (sorted, distinct) of `shape`. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}

/** Product of `shape[from..to)`. */
export function product(shape: Shape, from = 0, to = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i]!;
  return n;
}

/**
 * Merges adjacent dimensions of an iteration space that every operand walks
 * contiguously relative to each other, and drops size-1 dimensions. `strides[k]`
 * are the element strides of operand k over `shape` (the output itself is
 * row-major and needs no entry). Returns the merged sizes and strides, outermost
 * first; an empty list means a single element. Callers handle size 0 first.
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
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
