import type { Shape, TensorData } from '@cellstate/tensor';
import { stridesOf } from '@cellstate/tensor';
import { StridedCursor, coalesce, product, toInt32 } from '@cellstate/tensor/backend-kit';

/**
 * Movement kernels: transpose, slice, concat, pad and cast. Any dtype; the output
 * array is allocated by the caller with the input's dtype (cast: the target dtype).
 *
 * transpose, slice and pad are one strided copy (`copyStrided`): the region is walked
 * with an odometer over its coalesced outer dimensions and a constant-stride inner
 * loop. concat copies contiguous runs.
 */

/**
 * Copies the block `shape` from src (element (i...) at srcOffset + sum i*srcStrides)
 * to dst (at dstOffset + sum i*dstStrides).
 */
export function copyStrided(
  src: TensorData,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: TensorData,
  dstOffset: number,
  dstStrides: readonly number[],
  shape: Shape,
): void {
  const total = product(shape);
  if (total === 0) return;
  const merged = coalesce(shape, [srcStrides, dstStrides]);
  const dims = merged.shape;
  const [ss, ds] = merged.strides as [number[], number[]];
  const rank = dims.length;
  const n = rank === 0 ? 1 : dims[rank - 1]!;
  const si = rank === 0 ? 0 : ss[rank - 1]!;
  const di = rank === 0 ? 0 : ds[rank - 1]!;
  const rows = total / n;
  // The outer dimensions: one step per row.
  const cursor = new StridedCursor(dims, [ss, ds], rank - 1, [srcOffset, dstOffset]);
  const offsets = cursor.offsets;
  for (let row = 0; row < rows; row++, cursor.next()) {
    const s = offsets[0]!;
    const d = offsets[1]!;
    // Long contiguous runs (the inner rows of a transpose [B,T,E] -> [T,B,E]) as memcpy.
    if (si === 1 && di === 1 && n >= 32) dst.set(src.subarray(s, s + n), d);
    else if (si === 1 && di === 1) for (let j = 0; j < n; j++) dst[d + j] = src[s + j]!;
    else for (let j = 0, x = s, y = d; j < n; j++, x += si, y += di) dst[y] = src[x]!;
  }
}

/** x [S0, ..., Sr-1] -> out [S[perm[0]], ..., S[perm[r-1]]]: out[i...] = x[i permuted back]. */
export function transpose(x: TensorData, shape: Shape, perm: readonly number[], out: TensorData): void {
  const xStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const srcStrides = perm.map((p) => xStrides[p]!);
  copyStrided(x, 0, srcStrides, out, 0, stridesOf(outShape), outShape);
}

/** x [...S] -> out [...size]: the block starting at `begin` (in range, checked upstream). */
export function slice(x: TensorData, shape: Shape, begin: readonly number[], size: readonly number[], out: TensorData): void {
  const xStrides = stridesOf(shape);
  let offset = 0;
  for (let d = 0; d < shape.length; d++) offset += begin[d]! * xStrides[d]!;
  copyStrided(x, offset, xStrides, out, 0, stridesOf(size), size);
}

/**
 * xs[t] [...P, At, ...Q] -> out [...P, sum At, ...Q]. Each input is a run of
 * At*prod(Q) elements per outer index, copied in turn.
 */
export function concat(xs: readonly TensorData[], shapes: readonly Shape[], axis: number, out: TensorData): void {
  if (out.length === 0) return;
  const first = shapes[0]!;
  const outer = product(first, 0, axis);
  const inner = product(first, axis + 1);
  let outRow = 0;
  for (const s of shapes) outRow += s[axis]! * inner;
  let column = 0;
  for (let t = 0; t < xs.length; t++) {
    const x = xs[t]!;
    const run = shapes[t]![axis]! * inner;
    for (let p = 0; p < outer; p++) {
      const src = p * run;
      const dst = p * outRow + column;
      // Long runs (a step's [B, V] logits into [B, T, V]) as memcpy, like copyStrided.
      if (run >= 32) out.set(x.subarray(src, src + run), dst);
      else for (let j = 0; j < run; j++) out[dst + j] = x[src + j]!;
    }
    column += run;
  }
}

/**
 * x [...S] -> out [...(S + before + after)]; cells outside x hold `value` (converted
 * like `cast` for int32: truncated, NaN -> 0, clamped).
 */
export function pad(x: TensorData, shape: Shape, paddings: readonly (readonly [number, number])[], value: number, out: TensorData): void {
  out.fill(out instanceof Int32Array ? toInt32(value) : value);
  const outShape = shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const outStrides = stridesOf(outShape);
  let offset = 0;
  for (let d = 0; d < shape.length; d++) offset += paddings[d]![0] * outStrides[d]!;
  copyStrided(x, 0, stridesOf(shape), out, offset, outStrides, shape);
}

/**
 * x -> out of another (or the same) dtype. float32 -> int32 truncates toward zero,
 * maps NaN to 0 and clamps to [-2147483648, 2147483647]. int32 -> float32 rounds to
 * the nearest float32 (exact for |v| <= 2^24).
 */
export function cast(x: TensorData, out: TensorData): void {
  const n = x.length;
  if (x instanceof Float32Array && out instanceof Int32Array) {
    for (let i = 0; i < n; i++) out[i] = toInt32(x[i]!);
  } else {
    out.set(x);
  }
}
