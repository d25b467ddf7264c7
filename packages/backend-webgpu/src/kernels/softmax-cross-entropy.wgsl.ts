/**
 * Fused row-wise softmax cross-entropy. Letters: N rows, C classes.
 *
 *     bindings: 1 logits [N, C] (read), 2 labels [N] (read, i32), 3 loss [N], 4 probabilities [N, C]
 *     uniforms: rowSoftmaxParams (rows N, cols C)
 *
 * One workgroup of 64 per row: m = max (NaN propagates), s = Σ exp(x - m) (tree sums in
 * workgroup memory), probabilities = exp(x - m) / s, loss = m + log s - x[label]
 * (0 for a label outside [0, C), as the reference's one-hot gives). Grid: N workgroups (2-D).
 */
import { fixedKernel } from './fixed-kernel.js';
import { storage } from './preamble.wgsl.js';
import { rowSoftmaxMain, rowSoftmaxParams } from './row-softmax.wgsl.js';

export const softmaxCrossEntropyKernel = fixedKernel('softmax-cross-entropy', rowSoftmaxParams, `${storage(1, 'logits', 'f32', 'read')}
${storage(2, 'labels', 'i32', 'read')}
${storage(3, 'loss', 'f32', 'read_write')}
${storage(4, 'probabilities', 'f32', 'read_write')}
${rowSoftmaxMain((k) => `logits[row + ${k}]`)}
  for (var k = lid; k < width; k = k + 64u) { probabilities[row + k] = exp_acc(logits[row + k] - mx) / total; }
  if (lid == 0u && valid) {
    let label = labels[n];
    var l = 0.0;
    if (label >= 0 && u32(label) < C) { l = mx + log_acc(total) - logits[row + u32(label)]; }
    loss[n] = l;
  }
}
`);
