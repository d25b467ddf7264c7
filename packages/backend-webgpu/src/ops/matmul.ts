/**
 * Host code of matmul: the public op (broadcast batch dimensions) and `matmulInto`, the
 * raw form on buffers with element offsets that the LSTM kernels use on sections of
 * larger buffers.
 */
import { broadcastShapes, DTypeError, UnsupportedOpError, type Handle } from '@cellstate/tensor';
import { MAX_WORKGROUPS_PER_DIMENSION } from '../kernels/kernel-spec.js';
import { MATMUL_BLOCK, MATMUL_BLOCK_GROUP, MATMUL_TILE, matmulKernel, matmulParams } from '../kernels/matmul.wgsl.js';
import { broadcastStrides, checkRank, coalesce, sizeOfShape, type StridedLayout } from '../layout.js';
import type { KernelContext } from './kernel-context.js';

/** Raw matmul description on buffers (offsets and strides in elements). */
export interface MatmulJob {
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
  bias?: GPUBuffer;
  M: number;
  N: number;
  K: number;
  transposeA: boolean;
  transposeB: boolean;
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
  /** Batch index space with a and b strides (coalesced); none = one matrix. */
  batch?: StridedLayout;
}

/** Records c = op(a) · op(b) (+ bias): one dispatch per 65535 batches. */
export function matmulInto(ctx: KernelContext, job: MatmulJob): void {
  const batch = job.batch ?? { shape: [], strides: [[], []] };
  const batches = sizeOfShape(batch.shape);
  if (batches === 0 || job.M === 0 || job.N === 0) return;
  // Keep the batch rank small: drop size-1 dimensions and merge where both operands allow.
  const co = coalesce(batch.shape, batch.strides);
  checkRank('matmul', co);
  const variant = ctx.matmulVariant;
  const pipeline = ctx.pipelines.get(matmulKernel, { transposeA: job.transposeA, transposeB: job.transposeB, bias: !!job.bias, variant });
  const buffers = job.bias ? [job.a, job.b, job.bias, job.c] : [job.a, job.b, job.c];
  const side = variant === 'blocked' ? MATMUL_BLOCK * MATMUL_BLOCK_GROUP : MATMUL_TILE;
  const gx = Math.ceil(job.N / side);
  const gy = Math.ceil(job.M / side);
  if (gx > MAX_WORKGROUPS_PER_DIMENSION || gy > MAX_WORKGROUPS_PER_DIMENSION) {
    throw new UnsupportedOpError('matmul', 'webgpu', `M=${job.M}, N=${job.N} need more than ${MAX_WORKGROUPS_PER_DIMENSION} tiles per dimension`);
  }
  for (let first = 0; first < batches; first += MAX_WORKGROUPS_PER_DIMENSION) {
    const count = Math.min(MAX_WORKGROUPS_PER_DIMENSION, batches - first);
    const uniforms = matmulParams.pack({
      m: job.M,
      n: job.N,
      k: job.K,
      batches: count,
      aOffset: job.aOffset ?? 0,
      bOffset: job.bOffset ?? 0,
      cOffset: job.cOffset ?? 0,
      batchRank: co.shape.length,
      batchShape: co.shape,
      aBatchStrides: co.strides[0]!,
      bBatchStrides: co.strides[1]!,
      firstBatch: first,
      biasOffset: 0,
    });
    ctx.queue.dispatch(pipeline, uniforms, buffers, [gx, gy, count]);
  }
}

export function matmul(ctx: KernelContext, a: Handle, b: Handle, transposeA: boolean, transposeB: boolean): Handle {
  ctx.begin('matmul');
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new DTypeError({ op: 'matmul', detail: "takes float32 on backend 'webgpu'", actual: [a.dtype, b.dtype] });
  const ab = ctx.buffer(a, 'matmul');
  const bb = ctx.buffer(b, 'matmul');
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const K = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const N = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', aBatch, bBatch);
  const out = ctx.alloc([...batch, M, N], 'float32');
  const aStrides = broadcastStrides(aBatch, batch).map((s) => s * M * K);
  const bStrides = broadcastStrides(bBatch, batch).map((s) => s * K * N);
  matmulInto(ctx, { a: ab, b: bb, c: ctx.buffer(out, 'matmul'), M, N, K, transposeA, transposeB, batch: { shape: [...batch], strides: [aStrides, bStrides] } });
  return out;
}
