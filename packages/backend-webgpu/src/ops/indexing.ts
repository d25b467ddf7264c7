/**
 * Host code of gather and scatterAdd along one axis: the tensor is seen as
 * [outer, axisSize, inner], one invocation per output element.
 */
import type { Handle } from '@cellstate/tensor';
import { gatherKernel, indexingParams } from '../kernels/gather.wgsl.js';
import { elementGrid } from '../kernels/kernel-spec.js';
import { scatterAddKernel } from '../kernels/scatter-add.wgsl.js';
import { sizeOfShape } from '../layout.js';
import type { KernelContext } from './kernel-context.js';

export function gather(ctx: KernelContext, x: Handle, indices: Handle, axis: number): Handle {
  ctx.begin('gather');
  const xb = ctx.buffer(x, 'gather');
  const ib = ctx.buffer(indices, 'gather');
  const inner = sizeOfShape(x.shape.slice(axis + 1));
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = ctx.alloc(outShape, x.dtype);
  const n = sizeOfShape(outShape);
  if (n === 0) return out;
  const uniforms = indexingParams.pack({ n, indexCount: sizeOfShape(indices.shape), axisSize: x.shape[axis]!, inner });
  ctx.dispatch(gatherKernel, {}, uniforms, [xb, ib, ctx.buffer(out, 'gather')], elementGrid(n, 64));
  return out;
}

export function scatterAdd(ctx: KernelContext, x: Handle, indices: Handle, updates: Handle, axis: number): Handle {
  ctx.begin('scatterAdd');
  const xb = ctx.buffer(x, 'scatterAdd');
  const ib = ctx.buffer(indices, 'scatterAdd');
  const ub = ctx.buffer(updates, 'scatterAdd');
  const out = ctx.alloc(x.shape, x.dtype);
  const n = sizeOfShape(x.shape);
  if (n === 0) return out;
  const uniforms = indexingParams.pack({ n, indexCount: sizeOfShape(indices.shape), axisSize: x.shape[axis]!, inner: sizeOfShape(x.shape.slice(axis + 1)) });
  ctx.dispatch(scatterAddKernel, { dtype: x.dtype }, uniforms, [xb, ib, ub, ctx.buffer(out, 'scatterAdd')], elementGrid(n, 64));
  return out;
}
