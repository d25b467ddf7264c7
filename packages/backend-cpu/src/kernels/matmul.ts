import type { Shape } from '@cellstate/tensor';
import { StridedCursor, broadcastStrides } from '@cellstate/tensor/backend-kit';

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
  const batch = new StridedCursor(batchShape, [aStrides, bStrides]);
  const offsets = batch.offsets;
  for (let t = 0; t < batches; t++, batch.next()) {
    gemm(a, offsets[0]! * aMatrix, b, offsets[1]! * bMatrix, out, t * outMatrix, m, n, k, transposeA, transposeB, scratch);
  }
}

/**
 * out = a · bᵀ for the fused kernels, register-blocked 4 x 4: each step over the inner
 * dimension loads four values of a and four of b and does sixteen multiply-adds into
 * float64 locals. Both operands are read along rows, so the inner loop is contiguous
 * for a [M, K] and b [N, K] (a weight matrix stored [out, in], as wHh is).
 *
 * a(i, p) = a[aOffset + i*lda + p], b(j, p) = b[bOffset + j*ldb + p],
 * out(i, j) = out[outOffset + i*ldo + j]:
 *
 *     out(i, j) = (accumulate ? out(i, j) : 0) + (bias ? bias[j] : 0) + Σ_p a(i, p) b(j, p)
 *
 * The sum and the added terms stay in float64 until the one float32 store. K = 0
 * writes the added terms (zeros by default).
 */
export function gemmNT(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  aOffset: number,
  lda: number,
  b: Float32Array,
  bOffset: number,
  ldb: number,
  out: Float32Array,
  outOffset: number,
  ldo: number,
  accumulate: boolean,
  bias: Float32Array | null,
): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = aOffset + i * lda;
    const a1 = a0 + lda;
    const a2 = a1 + lda;
    const a3 = a2 + lda;
    const o0 = outOffset + i * ldo;
    const o1 = o0 + ldo;
    const o2 = o1 + ldo;
    const o3 = o2 + ldo;
    let j = 0;
    for (; j < n4; j += 4) {
      const b0 = bOffset + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let p = 0; p < k; p++) {
        const v0 = b[b0 + p]!;
        const v1 = b[b1 + p]!;
        const v2 = b[b2 + p]!;
        const v3 = b[b3 + p]!;
        let u = a[a0 + p]!;
        s00 += u * v0; s01 += u * v1; s02 += u * v2; s03 += u * v3;
        u = a[a1 + p]!;
        s10 += u * v0; s11 += u * v1; s12 += u * v2; s13 += u * v3;
        u = a[a2 + p]!;
        s20 += u * v0; s21 += u * v1; s22 += u * v2; s23 += u * v3;
        u = a[a3 + p]!;
        s30 += u * v0; s31 += u * v1; s32 += u * v2; s33 += u * v3;
      }
      if (bias !== null) {
        const c0 = bias[j]!, c1 = bias[j + 1]!, c2 = bias[j + 2]!, c3 = bias[j + 3]!;
        s00 += c0; s01 += c1; s02 += c2; s03 += c3;
        s10 += c0; s11 += c1; s12 += c2; s13 += c3;
        s20 += c0; s21 += c1; s22 += c2; s23 += c3;
        s30 += c0; s31 += c1; s32 += c2; s33 += c3;
      }
      if (accumulate) {
        s00 += out[o0 + j]!; s01 += out[o0 + j + 1]!; s02 += out[o0 + j + 2]!; s03 += out[o0 + j + 3]!;
        s10 += out[o1 + j]!; s11 += out[o1 + j + 1]!; s12 += out[o1 + j + 2]!; s13 += out[o1 + j + 3]!;
        s20 += out[o2 + j]!; s21 += out[o2 + j + 1]!; s22 += out[o2 + j + 2]!; s23 += out[o2 + j + 3]!;
        s30 += out[o3 + j]!; s31 += out[o3 + j + 1]!; s32 += out[o3 + j + 2]!; s33 += out[o3 + j + 3]!;
      }
      out[o0 + j] = s00; out[o0 + j + 1] = s01; out[o0 + j + 2] = s02; out[o0 + j + 3] = s03;
      out[o1 + j] = s10; out[o1 + j + 1] = s11; out[o1 + j + 2] = s12; out[o1 + j + 3] = s13;
      out[o2 + j] = s20; out[o2 + j + 1] = s21; out[o2 + j + 2] = s22; out[o2 + j + 3] = s23;
      out[o3 + j] = s30; out[o3 + j + 1] = s31; out[o3 + j + 2] = s32; out[o3 + j + 3] = s33;
    }
    // Leftover columns: four rows x one column.
    for (; j < n; j++) {
      const bj = bOffset + j * ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const v = b[bj + p]!;
        s0 += a[a0 + p]! * v;
        s1 += a[a1 + p]! * v;
        s2 += a[a2 + p]! * v;
        s3 += a[a3 + p]! * v;
      }
      if (bias !== null) {
        const c = bias[j]!;
        s0 += c; s1 += c; s2 += c; s3 += c;
      }
      if (accumulate) {
        s0 += out[o0 + j]!; s1 += out[o1 + j]!; s2 += out[o2 + j]!; s3 += out[o3 + j]!;
      }
      out[o0 + j] = s0; out[o1 + j] = s1; out[o2 + j] = s2; out[o3 + j] = s3;
    }
  }
  // Leftover rows: one row x four columns, then one x one.
  for (let i = m4; i < m; i++) {
    const ai = aOffset + i * lda;
    const o = outOffset + i * ldo;
    let j = 0;
    for (; j < n4; j += 4) {
      const b0 = bOffset + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const u = a[ai + p]!;
        s0 += u * b[b0 + p]!;
        s1 += u * b[b1 + p]!;
        s2 += u * b[b2 + p]!;
        s3 += u * b[b3 + p]!;
      }
      if (bias !== null) {
        s0 += bias[j]!; s1 += bias[j + 1]!; s2 += bias[j + 2]!; s3 += bias[j + 3]!;
      }
      if (accumulate) {
        s0 += out[o + j]!; s1 += out[o + j + 1]!; s2 += out[o + j + 2]!; s3 += out[o + j + 3]!;
      }
      out[o + j] = s0; out[o + j + 1] = s1; out[o + j + 2] = s2; out[o + j + 3] = s3;
    }
    for (; j < n; j++) {
      const bj = bOffset + j * ldb;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p]! * b[bj + p]!;
      if (bias !== null) s += bias[j]!;
      if (accumulate) s += out[o + j]!;
      out[o + j] = s;
    }
  }
}

/**
 * out [C, R] = xᵀ for x [R, C] read at xOffset (out row-major from 0): lets every
 * product of the fused kernels run as gemmNT. Tiled 32 x 32 so neither side strides
 * through the whole matrix per element.
 */
export function transposeMatrix(x: Float32Array, xOffset: number, rows: number, cols: number, out: Float32Array): void {
  const TILE = 32;
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const xr = xOffset + r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = x[xr + c]!;
      }
    }
  }
}

/** xᵀ in a new array, for a transpose that is made once and only read. */
export function transposed(x: Float32Array, xOffset: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  transposeMatrix(x, xOffset, rows, cols, out);
  return out;
}
