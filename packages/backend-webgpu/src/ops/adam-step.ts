/** Host code of the fused Adam / AdamW step. */
import type { AdamStepArgs, AdamStepResult } from '@cellstate/tensor';
import { adamStepKernel, adamStepParams } from '../kernels/adam-step.wgsl.js';
import { elementGrid } from '../kernels/kernel-spec.js';
import { sizeOfShape } from '../layout.js';
import { elementwise } from './elementwise.js';
import type { KernelContext } from './kernel-context.js';

export function adamStep(ctx: KernelContext, args: AdamStepArgs): AdamStepResult {
  const op = 'adamStep';
  ctx.begin(op);
  // A gradient scale (folded-in clipping) is one extra elementwise dispatch here; the
  // donate hint is not taken (fresh buffers come from the pool anyway).
  const scaled = args.gradScale ? elementwise(ctx, 'mul', [args.grad, { ...args.gradScale, shape: [] }], args.grad.dtype, args.grad.dtype) : null;
  const inputs = [args.param, scaled ?? args.grad, args.m, args.v].map((h) => ctx.buffer(h, op));
  const shape = args.param.shape;
  const param = ctx.alloc(shape, 'float32');
  const m = ctx.alloc(shape, 'float32');
  const v = ctx.alloc(shape, 'float32');
  const n = sizeOfShape(shape);
  if (n > 0) {
    const { learningRate: lr, beta1, beta2, epsilon, weightDecay } = args;
    const uniforms = adamStepParams.pack({
      n,
      beta1,
      beta2,
      epsilon,
      l2: weightDecay !== 0 && !args.decoupledWeightDecay ? weightDecay : 0,
      decay: weightDecay !== 0 && args.decoupledWeightDecay ? 1 - lr * weightDecay : 1,
      stepSize: lr / (1 - beta1 ** args.step),
      biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** args.step),
      oneMinusBeta1: 1 - beta1,
      oneMinusBeta2: 1 - beta2,
    });
    ctx.dispatch(adamStepKernel, {}, uniforms, [...inputs, ctx.buffer(param, op), ctx.buffer(m, op), ctx.buffer(v, op)], elementGrid(n, 64));
  }
  if (scaled) ctx.release(scaled);
  return { param, m, v };
}
