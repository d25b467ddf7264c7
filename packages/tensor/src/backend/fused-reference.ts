import type { Tensor } from '../tensor.js';
import { arange } from '../ops/creation.js';
import { add, div, equal, mul, neg, sqrt, sub } from '../ops/elementwise.js';
import { logSoftmax } from '../ops/activation.js';
import { exp } from '../ops/elementwise.js';
import { reshape } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import { scope } from '../memory.js';
import type { AdamStepArgs } from './fused-ops.js';

/**
 * Reference compositions of the fused ops from primitives. The op layer runs them
 * when a backend lacks the fused kernel; autograd differentiates them like any other
 * ops; the conformance suite checks fused kernels against them.
 */

/** One-hot float32 [N, C] of int32 labels [N]. */
export function oneHot(labels: Tensor, classes: number): Tensor {
  return scope(() => {
    const ids = arange(0, classes, 1, { dtype: 'int32', backend: labels.backend });
    return equal(reshape(labels, [labels.shape[0]!, 1]), reshape(ids, [1, classes]));
  });
}

/** logits [N, C], labels int32 [N] -> loss [N] = -log softmax(logits)[n, label], probabilities [N, C]. */
export function softmaxCrossEntropyReference(logits: Tensor, labels: Tensor): { loss: Tensor; probabilities: Tensor } {
  return scope(() => {
    const logp = logSoftmax(logits, 1);
    const loss = neg(sum(mul(logp, oneHot(labels, logits.shape[1]!)), 1));
    return { loss, probabilities: exp(logp) };
  });
}

type AdamTensors = Pick<AdamStepArgs, 'step' | 'learningRate' | 'beta1' | 'beta2' | 'epsilon' | 'weightDecay' | 'decoupledWeightDecay'> & {
  param: Tensor;
  grad: Tensor;
  m: Tensor;
  v: Tensor;
};

/** One Adam/AdamW step, as PyTorch's torch.optim.Adam / AdamW compute it. */
export function adamStepReference(a: AdamTensors): { param: Tensor; m: Tensor; v: Tensor } {
  return scope(() => {
    let g = a.grad;
    let p = a.param;
    if (a.weightDecay !== 0) {
      if (a.decoupledWeightDecay) p = mul(p, 1 - a.learningRate * a.weightDecay);
      else g = add(g, mul(p, a.weightDecay));
    }
    const m = add(mul(a.m, a.beta1), mul(g, 1 - a.beta1));
    const v = add(mul(a.v, a.beta2), mul(mul(g, g), 1 - a.beta2));
    const c1 = 1 - a.beta1 ** a.step;
    const c2 = 1 - a.beta2 ** a.step;
    const denom = add(div(sqrt(v), Math.sqrt(c2)), a.epsilon);
    const param = sub(p, mul(div(m, denom), a.learningRate / c1));
    return { param, m, v };
  });
}
