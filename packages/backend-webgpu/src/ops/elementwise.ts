/**
 * Host code of the elementwise family: unary, binary, compare, where and the casts, one
 * kernel over the broadcast of the inputs (the op layer has checked shapes and dtypes).
 */
import { broadcastShapes, DTypeError, shapesEqual, type DType, type Handle } from '@cellstate/tensor';
import { elementGrid } from '../kernels/kernel-spec.js';
import { elementwiseKernel, elementwiseParams, type ElementwiseOp } from '../kernels/elementwise.wgsl.js';
import { broadcastStrides, checkRank, coalesce, isContiguous, sizeOfShape } from '../layout.js';
import type { KernelContext } from './kernel-context.js';

/** One elementwise kernel over the broadcast of `inputs`; `kernelDType` picks the expression. */
export function elementwise(ctx: KernelContext, op: ElementwiseOp, inputs: readonly Handle[], outDType: DType, kernelDType: DType): Handle {
  ctx.begin(op);
  const buffers = inputs.map((h) => ctx.buffer(h, op));
  const outShape = inputs.length === 1 ? [...inputs[0]!.shape] : broadcastShapes(op, ...inputs.map((h) => h.shape));
  const out = ctx.alloc(outShape, outDType);
  const n = sizeOfShape(outShape);
  if (n === 0) return out;
  let layout: 'contiguous' | 'strided' = 'contiguous';
  let rank = 0;
  let shape: readonly number[] = [];
  let strides: readonly (readonly number[])[] = [];
  if (!inputs.every((h) => shapesEqual(h.shape, outShape))) {
    const co = coalesce(
      outShape,
      inputs.map((h) => broadcastStrides(h.shape, outShape)),
    );
    if (!isContiguous(co)) {
      checkRank(op, co);
      layout = 'strided';
      rank = co.shape.length;
      shape = co.shape;
      strides = co.strides;
    }
  }
  const uniforms = elementwiseParams.pack({ n, rank, shape, aStrides: strides[0] ?? [], bStrides: strides[1] ?? [], cStrides: strides[2] ?? [] });
  ctx.dispatch(elementwiseKernel, { op, dtype: kernelDType, layout }, uniforms, [...buffers, ctx.buffer(out, op)], elementGrid(n, 64));
  return out;
}

/** A float32-only unary op (exp, log, sqrt, tanh, sigmoid). */
export function floatUnary(ctx: KernelContext, op: 'exp' | 'log' | 'sqrt' | 'tanh' | 'sigmoid', x: Handle): Handle {
  if (x.dtype !== 'float32') throw new DTypeError({ op, detail: `takes float32 on backend 'webgpu'`, actual: x.dtype });
  return elementwise(ctx, op, [x], 'float32', 'float32');
}
