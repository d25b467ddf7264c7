import { record } from '../autograd/tape.js';
import { gruSequenceReference } from '../backend/fused-reference.js';
import { Tensor } from '../tensor.js';
import { zeros } from './creation.js';
import { checkRecurrentSequence } from './recurrent-sequence-check.js';
import { backendOf, wrap } from './util.js';
import type { GruSequenceInput, GruSequenceOutput } from './gru-sequence-types.js';

export type { GruSequenceInput, GruSequenceOutput } from './gru-sequence-types.js';

/**
 * Runs a GRU over a whole sequence (PyTorch's `nn.GRU`, gates r, z, n): one input
 * projection for all T steps, then per step the recurrent product and the gate math:
 *
 *     r = σ(x Wirᵀ + b_ir + h Whrᵀ + b_hr)
 *     z = σ(x Wizᵀ + b_iz + h Whzᵀ + b_hz)
 *     n = tanh(x Winᵀ + b_in + r ⊙ (h Whnᵀ + b_hn))
 *     h' = (1 − z) ⊙ n + z ⊙ h
 *
 * With `lengths`, a step at t >= length keeps the state and outputs zeros, so `hT` is
 * each sample's state after its last real step (in reverse, each sample starts at its
 * own last step). Uses the backend's fused kernel (one tape node, explicit backward)
 * when it has one, otherwise the reference composition from primitives, which autograd
 * differentiates.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { gruSequence, randomUniform, ready, zeros } from '@cellstate/tensor';
 * await ready();
 * const [T, B, I, H] = [5, 2, 3, 4];
 * const x = randomUniform([T, B, I], { seed: 1 });
 * const wIh = randomUniform([3 * H, I], { seed: 2, low: -0.5, high: 0.5 });
 * const wHh = randomUniform([3 * H, H], { seed: 3, low: -0.5, high: 0.5 });
 * const { y, hT } = gruSequence({ x, wIh, wHh, h0: zeros([B, H]) }); // y [5, 2, 4], hT [2, 4]
 * ```
 */
export function gruSequence(args: GruSequenceInput): GruSequenceOutput {
  const { x, wIh, wHh, h0, lengths } = args;
  const reverse = args.reverse ?? false;
  const present = [x, wIh, wHh, args.bIh, args.bHh, h0, lengths].filter((t): t is Tensor => t !== undefined);
  const backend = backendOf('gruSequence', present);
  const { H } = checkRecurrentSequence('gruSequence', 3, { x, wIh, wHh, biases: { bIh: args.bIh, bHh: args.bHh }, states: { h0 }, lengths });
  const fused = backend.capabilities.fused;
  if (!fused.gruSequence || !fused.gruSequenceBackward || !backend.gruSequence) {
    return gruSequenceReference({ ...args, reverse });
  }
  // The kernel contract takes both biases; a layer without them runs with zeros, which
  // the tape saves (retained) and which get no gradient (they do not require one).
  const made: Tensor[] = [];
  const bias = (b: Tensor | undefined) => b ?? (made[made.length] = zeros([3 * H], { backend }));
  const bIh = bias(args.bIh);
  const bHh = bias(args.bHh);
  const inputs = lengths ? [x, wIh, wHh, bIh, bHh, h0, lengths] : [x, wIh, wHh, bIh, bHh, h0];
  const h = (t: Tensor) => t.handleFor('gruSequence');
  const r = backend.gruSequence({ x: h(x), wIh: h(wIh), wHh: h(wHh), bIh: h(bIh), bHh: h(bHh), h0: h(h0), ...(lengths ? { lengths: h(lengths) } : {}), reverse });
  const y = wrap(backend, r.y);
  const hT = wrap(backend, r.hT);
  const reserve = new Tensor(backend, r.reserve, { track: false });
  record('gruSequence', inputs, [y, hT], { reverse }, { inputs: 'all', outputs: true }, [reserve]);
  for (const t of made) t.dispose();
  return { y, hT };
}
