/**
 * Host code of data movement: fill, transpose, slice, concat, pad and cast. Everything
 * is a 32-bit strided copy (bit exact for any dtype); contiguous runs become
 * `copyBufferToBuffer` and zero fills `clearBuffer`.
 */
import type { DType, Handle, Shape } from '@cellstate/tensor';
import { fillKernel, fillParams, stridedCopyKernel, stridedCopyParams } from '../kernels/copy.wgsl.js';
import { elementGrid } from '../kernels/kernel-spec.js';
import { bitsOf, checkRank, coalesce, contiguousStrides, isContiguous, sizeOfShape } from '../layout.js';
import { elementwise } from './elementwise.js';
import type { KernelContext } from './kernel-context.js';

/** buffer[offset .. offset + n) = bits (32-bit words). */
export function fillBits(ctx: KernelContext, buffer: GPUBuffer, offset: number, n: number, bits: number): void {
  if (n === 0) return;
  if (bits === 0) {
    ctx.queue.clear(buffer, offset * 4, n * 4);
    return;
  }
  ctx.dispatch(fillKernel, {}, fillParams.pack({ n, bits, offset }), [buffer], elementGrid(n, 64));
}

/** dst[dstOffset + Σ idx·dstStrides] = src[srcOffset + Σ idx·srcStrides] over `shape` (32-bit words). */
export function stridedCopy(ctx: KernelContext, op: string, src: GPUBuffer, srcOffset: number, srcStrides: readonly number[], dst: GPUBuffer, dstOffset: number, dstStrides: readonly number[], shape: Shape): void {
  const n = sizeOfShape(shape);
  if (n === 0) return;
  const layout = coalesce(shape, [srcStrides, dstStrides]);
  if (isContiguous(layout)) {
    ctx.queue.copy(src, srcOffset * 4, dst, dstOffset * 4, n * 4);
    return;
  }
  checkRank(op, layout);
  const uniforms = stridedCopyParams.pack({ n, rank: layout.shape.length, srcOffset, dstOffset, shape: layout.shape, srcStrides: layout.strides[0]!, dstStrides: layout.strides[1]! });
  ctx.dispatch(stridedCopyKernel, {}, uniforms, [src, dst], elementGrid(n, 64));
}

export function fill(ctx: KernelContext, shape: Shape, dtype: DType, value: number): Handle {
  ctx.begin('fill');
  const out = ctx.alloc(shape, dtype);
  fillBits(ctx, ctx.buffer(out, 'fill'), 0, sizeOfShape(shape), bitsOf(value, dtype));
  return out;
}

export function transpose(ctx: KernelContext, x: Handle, perm: readonly number[]): Handle {
  ctx.begin('transpose');
  const xb = ctx.buffer(x, 'transpose');
  const outShape = perm.map((p) => x.shape[p]!);
  const out = ctx.alloc(outShape, x.dtype);
  const inStrides = contiguousStrides(x.shape);
  stridedCopy(ctx, 'transpose', xb, 0, perm.map((p) => inStrides[p]!), ctx.buffer(out, 'transpose'), 0, contiguousStrides(outShape), outShape);
  return out;
}

export function slice(ctx: KernelContext, x: Handle, begin: readonly number[], size: readonly number[]): Handle {
  ctx.begin('slice');
  const xb = ctx.buffer(x, 'slice');
  const out = ctx.alloc(size, x.dtype);
  const inStrides = contiguousStrides(x.shape);
  const offset = begin.reduce((acc, b, d) => acc + b * inStrides[d]!, 0);
  stridedCopy(ctx, 'slice', xb, offset, inStrides, ctx.buffer(out, 'slice'), 0, contiguousStrides(size), size);
  return out;
}

export function concat(ctx: KernelContext, xs: readonly Handle[], axis: number): Handle {
  ctx.begin('concat');
  const buffers = xs.map((h) => ctx.buffer(h, 'concat'));
  const first = xs[0]!;
  const outShape = [...first.shape];
  outShape[axis] = xs.reduce((total, h) => total + h.shape[axis]!, 0);
  const out = ctx.alloc(outShape, first.dtype);
  const ob = ctx.buffer(out, 'concat');
  const outStrides = contiguousStrides(outShape);
  let position = 0;
  xs.forEach((h, k) => {
    stridedCopy(ctx, 'concat', buffers[k]!, 0, contiguousStrides(h.shape), ob, position * outStrides[axis]!, outStrides, h.shape);
    position += h.shape[axis]!;
  });
  return out;
}

export function pad(ctx: KernelContext, x: Handle, paddings: readonly (readonly [number, number])[], value: number): Handle {
  ctx.begin('pad');
  const xb = ctx.buffer(x, 'pad');
  const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
  const out = ctx.alloc(outShape, x.dtype);
  const ob = ctx.buffer(out, 'pad');
  const n = sizeOfShape(outShape);
  if (n !== sizeOfShape(x.shape)) fillBits(ctx, ob, 0, n, bitsOf(value, x.dtype));
  const outStrides = contiguousStrides(outShape);
  const offset = paddings.reduce((acc, p, d) => acc + p[0] * outStrides[d]!, 0);
  stridedCopy(ctx, 'pad', xb, 0, contiguousStrides(x.shape), ob, offset, outStrides, x.shape);
  return out;
}

/** A copy for the same dtype, else the elementwise cast kernels. */
export function cast(ctx: KernelContext, x: Handle, dtype: DType): Handle {
  if (x.dtype === dtype) {
    ctx.begin('cast');
    const xb = ctx.buffer(x, 'cast');
    const out = ctx.alloc(x.shape, dtype);
    ctx.queue.copy(xb, 0, ctx.buffer(out, 'cast'), 0, sizeOfShape(x.shape) * 4);
    return out;
  }
  return dtype === 'int32' ? elementwise(ctx, 'castToInt32', [x], 'int32', 'float32') : elementwise(ctx, 'castToFloat32', [x], 'float32', 'int32');
}
