/**
 * Row-wise log-softmax over the last axis. Letters: N rows, C columns.
 *
 *     bindings: 1 x [N, C] (read), 2 y [N, C] (read_write)
 *     uniforms: rowSoftmaxParams (rows N, cols C)
 *
 * One workgroup of 64 per row: m = max (NaN propagates), s = Σ exp(x - m) (tree sums in
 * workgroup memory), y = (x - m) - log s, the reference composition's formula (a -Inf
 * entry gives -Inf, a row of -Inf gives NaN). Grid: N workgroups (2-D).
 */
import { fixedKernel } from './fixed-kernel.js';
import { storage } from './preamble.wgsl.js';
import { rowSoftmaxMain, rowSoftmaxParams } from './row-softmax.wgsl.js';

export const logSoftmaxKernel = fixedKernel('log-softmax', rowSoftmaxParams, `${storage(1, 'x', 'f32', 'read')}
${storage(2, 'y', 'f32', 'read_write')}
${rowSoftmaxMain((k) => `x[row + ${k}]`)}
  let l = log_acc(total);
  for (var k = lid; k < width; k = k + 64u) { y[row + k] = (x[row + k] - mx) - l; }
}
`);
