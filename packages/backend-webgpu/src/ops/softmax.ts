/** Host code of the row-wise softmax kernels: fused softmax cross-entropy and log-softmax. */
import type { Handle, LogSoftmaxArgs, SoftmaxCrossEntropyArgs, SoftmaxCrossEntropyResult } from '@cellstate/tensor';
import { grid } from '../kernels/kernel-spec.js';
import { logSoftmaxKernel } from '../kernels/log-softmax.wgsl.js';
import { rowSoftmaxParams } from '../kernels/row-softmax.wgsl.js';
import { softmaxCrossEntropyKernel } from '../kernels/softmax-cross-entropy.wgsl.js';
import { sizeOfShape } from '../layout.js';
import type { KernelContext } from './kernel-context.js';

export function softmaxCrossEntropy(ctx: KernelContext, args: SoftmaxCrossEntropyArgs): SoftmaxCrossEntropyResult {
  const op = 'softmaxCrossEntropy';
  ctx.begin(op);
  const [N, C] = args.logits.shape as [number, number];
  const logits = ctx.buffer(args.logits, op);
  const labels = ctx.buffer(args.labels, op);
  const loss = ctx.alloc([N], 'float32');
  const probabilities = ctx.alloc([N, C], 'float32');
  if (N > 0) {
    ctx.dispatch(softmaxCrossEntropyKernel, {}, rowSoftmaxParams.pack({ rows: N, cols: C }), [logits, labels, ctx.buffer(loss, op), ctx.buffer(probabilities, op)], grid(N));
  }
  return { loss, probabilities };
}

export function logSoftmax(ctx: KernelContext, args: LogSoftmaxArgs): Handle {
  const op = 'logSoftmax';
  ctx.begin(op);
  const shape = args.x.shape;
  const C = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const N = C === 0 ? 0 : sizeOfShape(shape) / C;
  const x = ctx.buffer(args.x, op);
  const y = ctx.alloc(shape, 'float32');
  if (N > 0) ctx.dispatch(logSoftmaxKernel, {}, rowSoftmaxParams.pack({ rows: N, cols: C }), [x, ctx.buffer(y, op)], grid(N));
  return y;
}
