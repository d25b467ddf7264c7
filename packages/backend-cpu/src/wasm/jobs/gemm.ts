import type { Shape } from '@cellstate/tensor';
import { StridedCursor, broadcastStrides } from '@cellstate/tensor/backend-kit';
import type { JobContext } from './job-context.js';

/**
 * Same contract as `matmul` in kernels/matmul.ts (batched, broadcast, transpose flags).
 * `bId`: b's storage id when b is a matrix that may be multiplied by again unchanged (a
 * weight): from its second use on it is packed once and kept (packed-weights.ts).
 */
export function matmul(ctx: JobContext, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, transposeA: boolean, transposeB: boolean, out: Float32Array, outShape: Shape, bId: number | null = null): boolean {
  if (!ctx.ready()) return false;
  const e = ctx.engine;
  const ra = aShape.length;
  const rb = bShape.length;
  const m = transposeA ? aShape[ra - 1]! : aShape[ra - 2]!;
  const k = transposeA ? aShape[ra - 2]! : aShape[ra - 1]!;
  const n = transposeB ? bShape[rb - 2]! : bShape[rb - 1]!;
  if (out.length === 0) return true;
  const batches = out.length / (m * n);
  // The whole batch is one call (one copy in, a loop of kernels, one copy out): small
  // matrices pay too when there are many (attention scores of 320 beams × a 10-word source).
  if (m * n * k * batches < ctx.tuning.minWasmMatmul) return false;
  const batchShape = outShape.slice(0, -2);
  const aStrides = broadcastStrides(aShape.slice(0, -2), batchShape);
  const bStrides = broadcastStrides(bShape.slice(0, -2), batchShape);
  const mr = e.exports!.MR.value as number;
  const nr = e.exports!.NR.value as number;
  const nt = ctx.threadsFor(2 * m * n * k * batches, 2 * m * n * k, Math.max(Math.ceil(m / mr), Math.ceil(n / nr)) >> 1);
  const packed = bId !== null && rb === 2 && ctx.tuning.maxPackedWeightBytes > 0 ? ctx.packed.address(bId, b, n, k, transposeB) : null;
  e.reset();
  const pa = e.alloc(a.length * 4);
  const pb = packed === null ? e.alloc(b.length * 4) : 0;
  const pc = e.alloc(out.length * 4);
  const stride = e.scratchStride(0);
  const scratch = e.alloc(stride * nt);
  if (!e.commit()) return false;
  e.put(pa, a);
  if (packed === null) e.put(pb, b);
  // Offsets in whole matrices over the broadcast batch dimensions.
  const batch = new StridedCursor(batchShape, [aStrides, bStrides]);
  for (let t = 0; t < batches; t++, batch.next()) {
    const ap = pa + batch.offsets[0]! * m * k * 4;
    const bp = pb + batch.offsets[1]! * k * n * 4;
    e.args([m, n, k, ap, transposeA ? m : k, transposeA ? 1 : 0, bp, transposeB ? k : n, transposeB ? 1 : 0, pc + t * m * n * 4, n, 0, 0, scratch, stride, packed ?? 0]);
    e.run('gemm', nt);
  }
  e.get(pc, out);
  return true;
}

/** Same contract as `gemmNT` in kernels/matmul.ts (strided a · bᵀ with accumulate and bias). */
export function gemmNT(
  ctx: JobContext,
  m: number, n: number, k: number,
  a: Float32Array, aOffset: number, lda: number,
  b: Float32Array, bOffset: number, ldb: number,
  out: Float32Array, outOffset: number, ldo: number,
  accumulate: boolean, bias: Float32Array | null,
): boolean {
  if (!ctx.ready()) return false;
  const e = ctx.engine;
  if (m <= 0 || n <= 0) return true;
  const nt = ctx.threadsFor(2 * m * n * k, 2 * m * n * k, Math.max(m, n) >> 4);
  const aLen = k > 0 ? (m - 1) * lda + k : 0;
  const bLen = k > 0 ? (n - 1) * ldb + k : 0;
  const oLen = (m - 1) * ldo + n;
  e.reset();
  const pa = e.alloc(aLen * 4);
  const pb = e.alloc(bLen * 4);
  const po = e.alloc(oLen * 4);
  const pbias = e.alloc(n * 4 + 32);
  const stride = e.scratchStride(0);
  const scratch = e.alloc(stride * nt);
  if (!e.commit()) return false;
  e.put(pa, a, aOffset, aOffset + aLen);
  e.put(pb, b, bOffset, bOffset + bLen);
  let mode = 0;
  if (accumulate) {
    e.put(po, out, outOffset, outOffset + oLen);
    mode = 1;
    if (bias) {
      // out += bias first, then accumulate the product.
      const f = e.f32;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) f[(po >> 2) + i * ldo + j] += bias[j]!;
    }
  } else if (bias) {
    e.put(pbias, bias, 0, n);
    mode = 2;
  }
  e.args([m, n, k, pa, lda, 0, pb, ldb, 1, po, ldo, mode, pbias, scratch, stride, 0]);
  e.run('gemm', nt);
  // Copy back row by row: the gaps between rows (ldo > n) belong to the caller.
  for (let i = 0; i < m; i++) e.get(po + i * ldo * 4, out, n, outOffset + i * ldo);
  return true;
}
