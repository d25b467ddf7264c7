import type { Tensor } from '../tensor.js';
import { arange, zeros } from '../ops/creation.js';
import type { Backend } from './backend.js';
import { add, div, equal, greater, mul, neg, sigmoid, sqrt, sub, tanh, where } from '../ops/elementwise.js';
import { logSoftmax } from '../ops/activation.js';
export { logSoftmaxReference } from '../ops/activation.js';
import { exp } from '../ops/elementwise.js';
import { reshape, split, stack, unstack } from '../ops/movement.js';
import { matmul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { scope } from '../memory.js';
import type { AdamStepArgs } from './fused-ops.js';
import type { LstmSequenceEmbeddedInput, LstmSequenceInput, LstmSequenceOutput } from '../ops/lstm-sequence-types.js';
import { gather } from '../ops/indexing.js';
import type { GruSequenceInput, GruSequenceOutput } from '../ops/gru-sequence-types.js';

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
  gradScale?: Tensor;
};

/** Σ x² over every element of every tensor, a float32 scalar (0 for none). */
export function sumOfSquaresReference(xs: readonly Tensor[], backend: Backend): Tensor {
  return scope(() => {
    let total = zeros([], { backend });
    for (const x of xs) total = add(total, sum(mul(x, x)));
    return total;
  });
}

/** One Adam/AdamW step, as PyTorch's torch.optim.Adam / AdamW compute it. */
export function adamStepReference(a: AdamTensors): { param: Tensor; m: Tensor; v: Tensor } {
  return scope(() => {
    let g = a.gradScale ? mul(a.grad, reshape(a.gradScale, [])) : a.grad;
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

/**
 * The LSTM sequence as primitives: the input projection of all T steps as one matmul,
 * then per step one recurrent matmul and the gate math. With `lengths`, a step at
 * t >= length keeps the state and outputs zeros, so final states come from each
 * sample's last real step (in reverse, each sample starts at its own last step).
 */
export function lstmSequenceReference(args: LstmSequenceInput & { reverse: boolean }): LstmSequenceOutput {
  const { x, wIh, bias } = args;
  const [T, B, I] = x.shape as [number, number, number];
  const H = args.wHh.shape[1]!;
  return scope(() => lstmStepsReference(reshape(add(matmul(reshape(x, [T * B, I]), wIh, { transposeB: true }), bias), [T, B, 4 * H]), args));
}

/**
 * `lstmSequenceEmbedded` as primitives: the input gates gathered from the table, then
 * the steps of `lstmSequenceReference`.
 */
export function lstmSequenceEmbeddedReference(args: LstmSequenceEmbeddedInput & { reverse: boolean }): LstmSequenceOutput {
  return scope(() => lstmStepsReference(gather(args.table, args.ids, 0), args));
}

/** The steps of an LSTM from its input gates `projected` [T, B, 4H] (x·Wihᵀ + bias). */
function lstmStepsReference(projected: Tensor, args: Pick<LstmSequenceInput, 'wHh' | 'h0' | 'c0' | 'lengths'> & { reverse: boolean }): LstmSequenceOutput {
  const { wHh, lengths, reverse } = args;
  const [T, B] = projected.shape as [number, number, number];
  const H = wHh.shape[1]!;
  let h = args.h0;
  let c = args.c0;
  const ys = new Array<Tensor>(T);
  const steps = T > 0 ? unstack(projected, 0) : [];
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const gates = add(steps[t]!, matmul(h, wHh, { transposeB: true }));
    const [gi, gf, gg, go] = split(gates, [H, H, H, H], 1) as [Tensor, Tensor, Tensor, Tensor];
    const cNew = add(mul(sigmoid(gf), c), mul(sigmoid(gi), tanh(gg)));
    const hNew = mul(sigmoid(go), tanh(cNew));
    if (lengths) {
      const live = reshape(greater(lengths, t), [B, 1]);
      c = where(live, cNew, c);
      h = where(live, hNew, h);
      ys[t] = mul(hNew, live);
    } else {
      c = cNew;
      h = hNew;
      ys[t] = hNew;
    }
  }
  // h and c may still be h0/c0 (T = 0 or all lengths 0): hand back copies the caller owns.
  const hT = h === args.h0 ? reshape(h, h.shape) : h;
  const cT = c === args.c0 ? reshape(c, c.shape) : c;
  const y = T === 0 ? zeros([0, B, H], { backend: projected.backend }) : stack(ys, 0);
  return { y, hT, cT };
}

/**
 * One GRU step from a precomputed input projection `gx` = x Wihᵀ + b_ih [B, 3H] (gates
 * r, z, n) and the previous hidden state h [B, H]; PyTorch's equations
 * (ONNX `linear_before_reset = 1`):
 *
 *     r = σ(gx_r + h Whrᵀ + b_hr)
 *     z = σ(gx_z + h Whzᵀ + b_hz)
 *     n = tanh(gx_n + r ⊙ (h Whnᵀ + b_hn))
 *     h' = (1 − z) ⊙ n + z ⊙ h
 *
 * Composed from tensor ops, so autograd differentiates it (a GRU cell's whole step).
 *
 * @example
 * ```ts
 * const gx = add(matmul(x, wIh, { transposeB: true }), bIh); // [B, 3H]
 * const h1 = gruStep(gx, h0, wHh, bHh, H);                   // [B, H]
 * ```
 */
export function gruStep(gx: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | undefined, hiddenSize: number): Tensor {
  const H = hiddenSize;
  return scope(() => {
    const hProjected = matmul(h, wHh, { transposeB: true });
    const gh = bHh ? add(hProjected, bHh) : hProjected;
    const [gxRz, gxN] = split(gx, [2 * H, H], 1) as [Tensor, Tensor];
    const [ghRz, ghN] = split(gh, [2 * H, H], 1) as [Tensor, Tensor];
    const [r, z] = split(sigmoid(add(gxRz, ghRz)), [H, H], 1) as [Tensor, Tensor];
    const n = tanh(add(gxN, mul(r, ghN)));
    // (1 - z) ⊙ n + z ⊙ h, written with one product fewer.
    return add(n, mul(z, sub(h, n)));
  });
}

/**
 * The GRU sequence as primitives: the input projection of all T steps as one matmul,
 * then per step `gruStep`. With `lengths`, a step at t >= length keeps the state and
 * outputs zeros, so the final state comes from each sample's last real step (in
 * reverse, each sample starts at its own last step).
 */
export function gruSequenceReference(args: GruSequenceInput & { reverse: boolean }): GruSequenceOutput {
  const { x, wIh, wHh, bIh, bHh, lengths, reverse } = args;
  const [T, B, I] = x.shape as [number, number, number];
  const H = wHh.shape[1]!;
  return scope(() => {
    let h = args.h0;
    const ys = new Array<Tensor>(T);
    if (T > 0) {
      const projected = matmul(reshape(x, [T * B, I]), wIh, { transposeB: true });
      const steps = unstack(reshape(bIh ? add(projected, bIh) : projected, [T, B, 3 * H]), 0);
      for (let s = 0; s < T; s++) {
        const t = reverse ? T - 1 - s : s;
        const hNew = gruStep(steps[t]!, h, wHh, bHh, H);
        if (lengths) {
          const live = reshape(greater(lengths, t), [B, 1]);
          h = where(live, hNew, h);
          ys[t] = mul(hNew, live);
        } else {
          h = hNew;
          ys[t] = hNew;
        }
      }
    }
    // h may still be h0 (T = 0 or all lengths 0): hand back a copy the caller owns.
    const hT = h === args.h0 ? reshape(h, h.shape) : h;
    const y = T === 0 ? reshape(x, [0, B, H]) : stack(ys, 0);
    return { y, hT };
  });
}
