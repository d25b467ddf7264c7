import type { Shape } from '@cellstate/tensor';
import { broadcastStrides } from './layout.js';

/**
 * Batched matrix product, float32 in and out, float64 accumulation.
 *
 * Letters: M rows of the result, K the inner size, N columns of the result.
 * a [...Ba, M, K] (or [...Ba, K, M] with transposeA), b [...Bb, K, N] (or
 * [...Bb, N, K] with transposeB) -> out [...bcast(Ba, Bb), M, N].
 *
 * Loop orders:
 * - b not transposed: i-k-j. Row i of the result is accumulated in a float64 row
 *   buffer: row += a(i, k) * b[k, :], so b and the row are read contiguously; k is
 *   unrolled by 4 so each pass over the row folds in four rows of b.
 * - b transposed: i-j-k dot products. Row i of a(i, :) is packed once into a float64
 *   buffer (contiguous even when a is transposed), and b[j, :] is contiguous; four
 *   columns j are computed together so each load of a(i, k) is used four times.
 * K = 0 gives zeros.
 */

/** One matrix: a at aOffset, b at bOffset -> out [M, N] at outOffset. */
export function gemm(
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  out: Float32Array,
  outOffset: number,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
  scratch: Float64Array,
): void {
  // a(i, p) = a[aOffset + i*rowA + p*colA]
  const rowA = transposeA ? 1 : k;
  const colA = transposeA ? m : 1;
  if (!transposeB) {
    // scratch[0 .. N) is the output row; four rows of b are folded in per pass.
    for (let i = 0; i < m; i++) {
      scratch.fill(0, 0, n);
      let ai = aOffset + i * rowA;
      let p = 0;
      for (; p + 4 <= k; p += 4, ai += 4 * colA) {
        const a0 = a[ai]!;
        const a1 = a[ai + colA]!;
        const a2 = a[ai + 2 * colA]!;
        const a3 = a[ai + 3 * colA]!;
        const r0 = bOffset + p * n;
        const r1 = r0 + n;
        const r2 = r1 + n;
        const r3 = r2 + n;
        for (let j = 0; j < n; j++) scratch[j] += a0 * b[r0 + j]! + a1 * b[r1 + j]! + a2 * b[r2 + j]! + a3 * b[r3 + j]!;
      }
      for (; p < k; p++, ai += colA) {
        const aip = a[ai]!;
        const r = bOffset + p * n;
        for (let j = 0; j < n; j++) scratch[j] += aip * b[r + j]!;
      }
      const o = outOffset + i * n;
      for (let j = 0; j < n; j++) out[o + j] = scratch[j]!;
    }
  } else {
    // scratch[0 .. K) is row i of a; four dot products with rows of b share each load.
    for (let i = 0; i < m; i++) {
      for (let p = 0, ai = aOffset + i * rowA; p < k; p++, ai += colA) scratch[p] = a[ai]!;
      const o = outOffset + i * n;
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const r0 = bOffset + j * k;
        const r1 = r0 + k;
        const r2 = r1 + k;
        const r3 = r2 + k;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let p = 0; p < k; p++) {
          const x = scratch[p]!;
          s0 += x * b[r0 + p]!;
          s1 += x * b[r1 + p]!;
          s2 += x * b[r2 + p]!;
          s3 += x * b[r3 + p]!;
        }
        out[o + j] = s0;
        out[o + j + 1] = s1;
        out[o + j + 2] = s2;
        out[o + j + 3] = s3;
      }
      for (; j < n; j++) {
        const r = bOffset + j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += scratch[p]! * b[r + p]!;
        out[o + j] = s;
      }
    }
  }
}

/** The batched product; `outShape` is [...batch, M, N]. */
export function matmul(
  a: Float32Array,
  aShape: Shape,
  b: Float32Array,
  bShape: Shape,
  transposeA: boolean,
  transposeB: boolean,
  out: Float32Array,
  outShape: Shape,
): void {
  const ra = aShape.length;
  const rb = bShape.length;
  const m = transposeA ? aShape[ra - 1]! : aShape[ra - 2]!;
  const k = transposeA ? aShape[ra - 2]! : aShape[ra - 1]!;
  const n = transposeB ? bShape[rb - 2]! : bShape[rb - 1]!;
  if (out.length === 0) return;
  const batchShape = outShape.slice(0, -2);
  // Strides in whole matrices over the broadcast batch dimensions.
  const aStrides = broadcastStrides(aShape.slice(0, -2), batchShape);
  const bStrides = broadcastStrides(bShape.slice(0, -2), batchShape);
  const aMatrix = m * k;
  const bMatrix = k * n;
  const outMatrix = m * n;
  const batches = out.length / outMatrix;
  const scratch = new Float64Array(Math.max(n, k, 1));
  const rank = batchShape.length;
  const index = new Array<number>(rank).fill(0);
  let aBatch = 0;
  let bBatch = 0;
  for (let t = 0; t < batches; t++) {
    gemm(a, aBatch * aMatrix, b, bBatch * bMatrix, out, t * outMatrix, m, n, k, transposeA, transposeB, scratch);
    for (let d = rank - 1; d >= 0; d--) {
      aBatch += aStrides[d]!;
      bBatch += bStrides[d]!;
      if (++index[d]! < batchShape[d]!) break;
      aBatch -= aStrides[d]! * batchShape[d]!;
      bBatch -= bStrides[d]! * batchShape[d]!;
      index[d] = 0;
    }
  }
}
