import { record } from '../autograd/tape.js';
import { lstmSequenceReference } from '../backend/fused-reference.js';
import { Tensor } from '../tensor.js';
import { checkRecurrentSequence } from './recurrent-sequence-check.js';
import { backendOf, wrap } from './util.js';
import type { LstmSequenceInput, LstmSequenceOutput } from './lstm-sequence-types.js';

export type { LstmSequenceInput, LstmSequenceOutput } from './lstm-sequence-types.js';

/**
 * Runs an LSTM over a whole sequence: one input projection for all T steps, then per
 * step the recurrent product and the gate math (i, f, g, o as PyTorch orders them):
 *
 *     i, f, g, o = σ, σ, tanh, σ of (x_t Wihᵀ + h Whhᵀ + b)
 *     c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
 *
 * Uses the backend's fused kernel (one tape node, explicit backward) when it has one,
 * otherwise the reference composition from primitives, which autograd differentiates.
 *
 * @example
 * ```ts
 * const { y, hT, cT } = lstmSequence({ x, wIh, wHh, bias, h0: zeros([B, H]), c0: zeros([B, H]) });
 * ```
 */
export function lstmSequence(args: LstmSequenceInput): LstmSequenceOutput {
  const { x, wIh, wHh, bias, h0, c0, lengths } = args;
  const reverse = args.reverse ?? false;
  const inputs = lengths ? [x, wIh, wHh, bias, h0, c0, lengths] : [x, wIh, wHh, bias, h0, c0];
  const backend = backendOf('lstmSequence', inputs);
  checkRecurrentSequence('lstmSequence', 4, { x, wIh, wHh, biases: { bias }, states: { h0, c0 }, lengths });
  const fused = backend.capabilities.fused;
  if (!fused.lstmSequence || !fused.lstmSequenceBackward || !backend.lstmSequence) {
    return lstmSequenceReference({ ...args, reverse });
  }
  const h = (t: Tensor) => t.handleFor('lstmSequence');
  const r = backend.lstmSequence({ x: h(x), wIh: h(wIh), wHh: h(wHh), bias: h(bias), h0: h(h0), c0: h(c0), ...(lengths ? { lengths: h(lengths) } : {}), reverse });
  const y = wrap(backend, r.y);
  const hT = wrap(backend, r.hT);
  const cT = wrap(backend, r.cT);
  const reserve = new Tensor(backend, r.reserve, { track: false });
  record('lstmSequence', inputs, [y, hT, cT], { reverse }, { inputs: 'all', outputs: true }, [reserve]);
  return { y, hT, cT };
}
