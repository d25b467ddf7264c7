import { record } from '../autograd/tape.js';
import { gruSequenceReference } from '../backend/fused-reference.js';
import { ShapeError } from '../errors.js';
import { shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { zeros } from './creation.js';
import { backendOf, checkDType, wrap } from './util.js';
import type { GruSequenceInput, GruSequenceOutput } from './gru-sequence-types.js';

export type { GruSequenceInput, GruSequenceOutput } from './gru-sequence-types.js';

function check(args: GruSequenceInput): { T: number; B: number; I: number; H: number } {
  const op = 'gruSequence';
  const { x, wIh, wHh, bIh, bHh, h0, lengths } = args;
  for (const [name, t] of [['x', x], ['wIh', wIh], ['wHh', wHh], ['bIh', bIh], ['bHh', bHh], ['h0', h0]] as const) {
    if (t) checkDType(op, t, ['float32'], name);
  }
  if (x.rank !== 3) throw new ShapeError({ op, detail: 'x must be [T, B, I]', expected: '[T, B, I]', actual: [...x.shape] });
  const [T, B, I] = x.shape as [number, number, number];
  const H = wHh.shape[1] ?? -1;
  const expect = (name: string, t: Tensor, shape: number[]) => {
    if (!shapesEqual(t.shape, shape)) throw new ShapeError({ op, detail: `${name} has the wrong shape (T=${T}, B=${B}, I=${I}, H=${H})`, expected: shape, actual: [...t.shape] });
  };
  expect('wHh', wHh, [3 * H, H]);
  expect('wIh', wIh, [3 * H, I]);
  if (bIh) expect('bIh', bIh, [3 * H]);
  if (bHh) expect('bHh', bHh, [3 * H]);
  expect('h0', h0, [B, H]);
  if (lengths) {
    checkDType(op, lengths, ['int32'], 'lengths');
    expect('lengths', lengths, [B]);
  }
  return { T, B, I, H };
}

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
  const { H } = check(args);
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
