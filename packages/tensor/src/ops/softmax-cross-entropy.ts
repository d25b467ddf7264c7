import { record } from '../autograd/tape.js';
import type { GradientContext } from '../autograd/gradient-context.js';
import { softmaxCrossEntropyReference } from '../backend/fused-reference.js';
import { ShapeError } from '../errors.js';
import { scope } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { add, greater, mul, neg, sub, where } from './elementwise.js';
import { arange, tensor } from './creation.js';
import { scatterAdd } from './indexing.js';
import { reshape } from './movement.js';
import { sum } from './reduce.js';
import { backendOf, checkDType, wrap } from './util.js';

/**
 * Row-wise softmax cross-entropy: logits [N, C], int32 labels [N] in [0, C) ->
 * per-row loss [N] and probabilities [N, C]. Uses the backend's fused kernel when it
 * has one, the reference composition otherwise; both differentiate.
 *
 * @example
 * ```ts
 * const { loss } = softmaxCrossEntropy(logits, labels);
 * const total = mean(loss);
 * ```
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): { loss: Tensor; probabilities: Tensor } {
  const backend = backendOf('softmaxCrossEntropy', [logits, labels]);
  checkDType('softmaxCrossEntropy', logits, ['float32'], 'logits');
  checkDType('softmaxCrossEntropy', labels, ['int32'], 'labels');
  if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new ShapeError({ op: 'softmaxCrossEntropy', detail: 'expects logits [N, C] and labels [N]', expected: '[N, C] and [N]', actual: [[...logits.shape], [...labels.shape]] });
  }
  if (!backend.capabilities.fused.softmaxCrossEntropy || !backend.softmaxCrossEntropy) {
    return softmaxCrossEntropyReference(logits, labels);
  }
  const r = backend.softmaxCrossEntropy({ logits: logits.handleFor('softmaxCrossEntropy'), labels: labels.handleFor('softmaxCrossEntropy') });
  const loss = wrap(backend, r.loss);
  const probabilities = wrap(backend, r.probabilities);
  record('softmaxCrossEntropy', [logits, labels], [loss, probabilities], {}, { inputs: [1], outputs: true });
  return { loss, probabilities };
}

/** d logits = (p - onehot) * dloss + p * (dp - sum(dp * p)). */
export function softmaxCrossEntropyGradient(ctx: GradientContext<'softmaxCrossEntropy'>): (Tensor | null)[] {
  const p = ctx.output(1);
  const [n, c] = p.shape as [number, number];
  const [dLoss, dProb] = ctx.dys;
  const parts: Tensor[] = [];
  return [
    scope(() => {
      if (dLoss) parts.push(lossGradient(p, ctx.input(1), dLoss));
      if (dProb) parts.push(mul(p, sub(dProb, sum(mul(dProb, p), 1, { keepDims: true }))));
      return parts.length === 2 ? add(parts[0]!, parts[1]!) : parts[0]!;
    }),
    null,
  ];
}


/**
 * (p - onehot(labels)) · dLoss[:, None] without building the one-hot matrix: p · dLoss,
 * then -dLoss added at each row's label (a scatter into the flattened [N·C] view). One
 * pass over [N, C] instead of three; a label outside [0, C) adds nothing, as its all-zero
 * one-hot row would.
 */
function lossGradient(p: Tensor, labels: Tensor, dLoss: Tensor): Tensor {
  const [n, c] = p.shape as [number, number];
  const scaled = mul(p, reshape(dLoss, [n, 1]));
  const flat = add(arange(0, n * c, c, { dtype: 'int32', backend: p.backend }), labels);
  const inRange = mul(greater(labels, -1), greater(c, labels));
  const at = where(inRange, flat, tensor([-1], [], { dtype: 'int32', backend: p.backend }));
  return reshape(scatterAdd(reshape(scaled, [n * c]), at, neg(dLoss), 0), [n, c]);
}
