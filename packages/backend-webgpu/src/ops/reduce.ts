/**
 * Host code of the reductions: sum, max and argmax over axes, and the fused sum of
 * squares. Kept (output) and reduced dimensions are coalesced separately.
 */
import type { DType, Handle, SumOfSquaresArgs } from '@cellstate/tensor';
import { grid } from '../kernels/kernel-spec.js';
import { reduceKernel, reduceParams, type ReduceConfig } from '../kernels/reduce.wgsl.js';
import { checkRank, coalesce, contiguousStrides, sizeOfShape, type StridedLayout } from '../layout.js';
import type { KernelContext } from './kernel-context.js';
import { fill } from './movement.js';

/**
 * out[outOffset + g] = op over the `count` elements of x at xOffset + (kept offset of g)
 * + (reduced offsets), one workgroup per output g.
 */
export function reduceInto(ctx: KernelContext, op: ReduceConfig['op'], dtype: DType, x: GPUBuffer, xOffset: number, kept: StridedLayout, red: StridedLayout, out: GPUBuffer, outOffset: number, outputs: number, count: number): void {
  checkRank(op, kept);
  checkRank(op, red);
  const uniforms = reduceParams.pack({
    outputs,
    count,
    keptRank: kept.shape.length,
    reducedRank: red.shape.length,
    xOffset,
    outOffset,
    keptShape: kept.shape,
    keptStrides: kept.strides[0]!,
    reducedShape: red.shape,
    reducedStrides: red.strides[0]!,
  });
  ctx.dispatch(reduceKernel, { op, dtype }, uniforms, [x, out], grid(outputs));
}

export function reduce(ctx: KernelContext, op: 'sum' | 'max' | 'argmax', x: Handle, axes: readonly number[], keepDims: boolean): Handle {
  ctx.begin(op);
  const xb = ctx.buffer(x, op);
  const shape = x.shape;
  const reduced = shape.map((_, d) => axes.includes(d));
  const outShape = keepDims ? shape.map((s, d) => (reduced[d] ? 1 : s)) : shape.filter((_, d) => !reduced[d]);
  const out = ctx.alloc(outShape, op === 'argmax' ? 'int32' : x.dtype);
  const outputs = sizeOfShape(outShape);
  if (outputs === 0) return out;
  const strides = contiguousStrides(shape);
  const keptShape = shape.filter((_, d) => !reduced[d]);
  const keptStrides = strides.filter((_, d) => !reduced[d]);
  const redShape = shape.filter((_, d) => reduced[d]);
  const redStrides = strides.filter((_, d) => reduced[d]);
  reduceInto(ctx, op, x.dtype, xb, 0, coalesce(keptShape, [keptStrides]), coalesce(redShape, [redStrides]), ctx.buffer(out, op), 0, outputs, sizeOfShape(redShape));
  return out;
}

/** Σ over every tensor of Σ x², as a float32 scalar. */
export function sumOfSquares(ctx: KernelContext, args: SumOfSquaresArgs): Handle {
  const op = 'sumOfSquares';
  const k = args.xs.length;
  if (k === 0) return fill(ctx, [], 'float32', 0);
  ctx.begin(op);
  // One reduction per tensor into its slot of [k] partial sums (all in one submit),
  // then one sum of the k partials: no x² tensors, k + 1 dispatches.
  const out = ctx.alloc([], 'float32');
  const partials = k > 1 ? ctx.alloc([k], 'float32') : out;
  const whole: StridedLayout = { shape: [], strides: [[]] };
  args.xs.forEach((h, i) => {
    const n = sizeOfShape(h.shape);
    reduceInto(ctx, 'sumsq', 'float32', ctx.buffer(h, op), 0, whole, coalesce([n], [[1]]), ctx.buffer(partials, op), i, 1, n);
  });
  if (k > 1) {
    reduceInto(ctx, 'sum', 'float32', ctx.buffer(partials, op), 0, whole, coalesce([k], [[1]]), ctx.buffer(out, op), 0, 1, k);
    ctx.release(partials);
  }
  return out;
}
