import { DTypeError, ShapeError, add, greater, matmul, mul, reshape, scope, shapesEqual, sigmoid, split, stack, sub, tanh, unstack, where, type Tensor } from '@cellstate/tensor';

/** Inputs of `gruSequence`. Letters: T steps, B batch, I input size, H hidden size. */
export interface GruSequenceInput {
  /** [T, B, I] */
  x: Tensor;
  /** [3H, I], gate order r, z, n (PyTorch's `weight_ih_l{k}`) */
  wIh: Tensor;
  /** [3H, H] */
  wHh: Tensor;
  /** [3H] (PyTorch's `bias_ih_l{k}`); omitted: no input bias */
  bIh?: Tensor;
  /** [3H] (PyTorch's `bias_hh_l{k}`, inside the reset gate's product for n); omitted: no recurrent bias */
  bHh?: Tensor;
  /** [B, H] */
  h0: Tensor;
  /** int32 [B]: real steps per sample; later steps keep the state and output zeros. */
  lengths?: Tensor;
  /** Process t = T-1 .. 0 (the backward direction of a bidirectional layer). */
  reverse?: boolean;
}

export interface GruSequenceOutput {
  /** [T, B, H] hidden state at every step (0 at padded steps) */
  y: Tensor;
  /** [B, H] hidden state after each sample's last real step */
  hT: Tensor;
}

function check(op: string, args: GruSequenceInput): { T: number; B: number; I: number; H: number } {
  const { x, wIh, wHh, bIh, bHh, h0, lengths } = args;
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
    if (lengths.dtype !== 'int32') throw new DTypeError({ op, detail: 'lengths must be int32', expected: 'int32', actual: lengths.dtype });
    expect('lengths', lengths, [B]);
  }
  return { T, B, I, H };
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
 * Composed from tensor ops, so autograd differentiates it.
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
 * Runs a GRU over a whole sequence, composed from tensor ops: the input projection of
 * all T steps as one matmul, then per step one recurrent matmul and the gate math of
 * `gruStep` (PyTorch's `nn.GRU`: gates r, z, n; the recurrent part of n, bias included,
 * is multiplied by r). With `lengths`, a step at t >= length keeps the state and
 * outputs zeros, so the final state comes from each sample's last real step (in
 * reverse, each sample starts at its own last step). Autograd differentiates it.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, randomUniform, zeros } from '@cellstate/tensor';
 * import { gruSequence } from '@cellstate/lstm';
 * await ready();
 * const [T, B, I, H] = [5, 2, 3, 4];
 * const x = randomUniform([T, B, I], { seed: 1 });
 * const wIh = randomUniform([3 * H, I], { seed: 2, low: -0.5, high: 0.5 });
 * const wHh = randomUniform([3 * H, H], { seed: 3, low: -0.5, high: 0.5 });
 * const { y, hT } = gruSequence({ x, wIh, wHh, h0: zeros([B, H]) }); // y [5, 2, 4], hT [2, 4]
 * ```
 */
export function gruSequence(args: GruSequenceInput): GruSequenceOutput {
  const { x, wIh, wHh, bIh, bHh, lengths } = args;
  const reverse = args.reverse ?? false;
  const { T, B, I, H } = check('gruSequence', args);
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
