import { Module, type Parameter } from '@cellstate/nn';
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  concat,
  div,
  mul,
  randomBernoulli,
  reshape,
  scope,
  slice,
  stack,
  tensor,
  transpose,
  zeros,
  type Tensor,
} from '@cellstate/tensor';
import { resolveGruOptions, type GruOptions, type ResolvedGruOptions } from './gru-config.js';
import { gruSequence } from './gru-sequence.js';
import { recurrentWeights } from './init.js';

export interface GruForwardOptions {
  /** Initial hidden state [numLayers * directions, B, H] (default zeros), PyTorch's `h_0`. */
  h0?: Tensor;
  /**
   * Real length of each sample (int32 tensor [B] or numbers). Steps past a sample's
   * length output zeros, get no gradient, and the final state is the one after its last
   * real step (reverse direction: starts at its last real step). No packing needed.
   */
  lengths?: Tensor | readonly number[];
}

export interface GruOutput {
  /** [T, B, D*H] (or [B, T, D*H] with batchFirst): the top layer's hidden state at every step. */
  output: Tensor;
  /** [numLayers * D, B, H]: final hidden states, PyTorch's order (l0, l0_reverse, l1, ...). */
  h: Tensor;
}

interface DirectionParams {
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh?: Parameter;
  biasHh?: Parameter;
}

/**
 * A (stacked, optionally bidirectional) GRU layer with PyTorch's parameter names,
 * layout and equations (`weight_ih_l0` [3H, I], `weight_hh_l0` [3H, H], `bias_ih_l0`,
 * `bias_hh_l0`, `_reverse` suffix; gates r, z, n), so PyTorch `nn.GRU` weights load by
 * name:
 *
 *     r = σ(x Wirᵀ + b_ir + h Whrᵀ + b_hr)
 *     z = σ(x Wizᵀ + b_iz + h Whzᵀ + b_hz)
 *     n = tanh(x Winᵀ + b_in + r ⊙ (h Whnᵀ + b_hn))
 *     h' = (1 − z) ⊙ n + z ⊙ h
 *
 * Each layer and direction is one `gruSequence`: the input projection of every step as
 * one matmul, then one recurrent matmul and the gate math per step, composed from
 * tensor ops, so it trains by backpropagation through time on every backend.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, randomUniform } from '@cellstate/tensor';
 * import { GRU } from '@cellstate/lstm';
 * await ready();
 * const gru = new GRU({ inputSize: 8, hiddenSize: 16, numLayers: 2, bidirectional: true });
 * const x = randomUniform([10, 4, 8], { seed: 1 });        // [T, B, I]
 * const { output, h } = gru.forward(x, { lengths: [10, 7, 3, 1] });
 * console.log(output.shape, h.shape);                      // [10, 4, 32] [4, 4, 16]
 * ```
 */
export class GRU extends Module {
  readonly options: ResolvedGruOptions;
  readonly #layers: DirectionParams[][] = [];

  constructor(options: GruOptions) {
    super();
    const o = resolveGruOptions(options);
    this.options = o;
    // Inter-layer dropout draws one mask set per forward call, numbered by the module's
    // random-stream position, so checkpoints can save and restore it (Module.randomState).
    if (o.dropout > 0 && o.numLayers > 1) this.trackRandomCalls();
    const H = o.hiddenSize;
    const D = o.bidirectional ? 2 : 1;
    let seed = o.seed * 1_000_003 + 19;
    for (let l = 0; l < o.numLayers; l++) {
      const inSize = l === 0 ? o.inputSize : H * D;
      const dirs: DirectionParams[] = [];
      for (let d = 0; d < D; d++) {
        const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const w = recurrentWeights({ gates: 3, inputSize: inSize, hiddenSize: H, seed, bias: o.bias });
        seed += w.seedsUsed;
        const p: DirectionParams = {
          weightIh: this.addParameter(`weight_ih${suffix}`, w.weightIh),
          weightHh: this.addParameter(`weight_hh${suffix}`, w.weightHh),
        };
        if (w.biasIh && w.biasHh) {
          p.biasIh = this.addParameter(`bias_ih${suffix}`, w.biasIh);
          p.biasHh = this.addParameter(`bias_hh${suffix}`, w.biasHh);
        }
        dirs.push(p);
      }
      this.#layers.push(dirs);
    }
  }

  get directions(): number {
    return this.options.bidirectional ? 2 : 1;
  }

  /** Runs the layer over a batch of sequences. The caller owns both results; the inputs are not disposed. */
  forward(input: Tensor, options: GruForwardOptions = {}): GruOutput {
    const o = this.options;
    const H = o.hiddenSize;
    const D = this.directions;
    if (input.rank !== 3 || input.shape[2] !== o.inputSize) {
      throw new ShapeError({ op: 'GRU.forward', detail: `input must be ${o.batchFirst ? '[B, T, I]' : '[T, B, I]'} with I = ${o.inputSize}`, expected: o.batchFirst ? `[B, T, ${o.inputSize}]` : `[T, B, ${o.inputSize}]`, actual: [...input.shape] });
    }
    const T = o.batchFirst ? input.shape[1]! : input.shape[0]!;
    const B = o.batchFirst ? input.shape[0]! : input.shape[1]!;
    const h0 = options.h0;
    if (h0) {
      const want = [o.numLayers * D, B, H];
      if (h0.shape.join() !== want.join()) throw new ShapeError({ op: 'GRU.forward', detail: 'h0 must be [numLayers * directions, B, H]', expected: want, actual: [...h0.shape] });
    }
    // Checked here, before any tensor is made, so a bad call leaves nothing behind.
    const lengthsIn = options.lengths;
    if (lengthsIn !== undefined && !Array.isArray(lengthsIn) && (lengthsIn as Tensor).dtype !== 'int32') {
      throw new DTypeError({ op: 'GRU.forward', detail: 'lengths must be int32 (or an array of numbers)', expected: 'int32', actual: (lengthsIn as Tensor).dtype });
    }
    // Counts every call (eval ones too), as before, so the masks stay the same.
    const dropoutSeed = o.seed * 7919 + (o.dropout > 0 && o.numLayers > 1 ? this.nextRandomCall() : 0);
    return scope(() => {
      const lengths = this.#lengths(options.lengths, T, B, input);
      let x = o.batchFirst ? transpose(input, [1, 0, 2]) : input;
      const hs: Tensor[] = [];
      this.#layers.forEach((dirs, l) => {
        const outs = dirs.map((p, d) => {
          const index = l * D + d;
          const r = gruSequence({
            x,
            wIh: p.weightIh.value,
            wHh: p.weightHh.value,
            ...(p.biasIh && p.biasHh ? { bIh: p.biasIh.value, bHh: p.biasHh.value } : {}),
            h0: h0 ? reshape(slice(h0, [index, 0, 0], [1, B, H]), [B, H]) : zeros([B, H], { backend: input.backend }),
            ...(lengths ? { lengths } : {}),
            reverse: d === 1,
          });
          hs.push(r.hT);
          return r.y;
        });
        x = D === 2 ? concat(outs, 2) : outs[0]!;
        if (o.dropout > 0 && this.training && l < o.numLayers - 1) {
          const keep = randomBernoulli(x.shape, 1 - o.dropout, { seed: dropoutSeed * 131 + l, backend: x.backend });
          x = div(mul(x, keep), 1 - o.dropout);
        }
      });
      const output = o.batchFirst ? transpose(x, [1, 0, 2]) : x === input ? reshape(x, x.shape) : x;
      return { output, h: stack(hs, 0) };
    });
  }

  #lengths(lengths: Tensor | readonly number[] | undefined, T: number, B: number, like: Tensor): Tensor | undefined {
    if (lengths === undefined) return undefined;
    let values: ArrayLike<number> | undefined;
    if (Array.isArray(lengths)) values = lengths as readonly number[];
    else if ((lengths as Tensor).backend.capabilities.syncRead) values = (lengths as Tensor).dataSync();
    if (values) {
      if (values.length !== B) throw new ShapeError({ op: 'GRU.forward', detail: 'lengths needs one entry per sample', expected: [B], actual: [values.length] });
      for (let b = 0; b < values.length; b++) {
        const v = values[b]!;
        if (!Number.isInteger(v) || v < 0 || v > T) throw new ArgumentError('GRU.forward', `lengths[${b}] = ${v} is outside [0, ${T}]`);
      }
    }
    if (Array.isArray(lengths)) return tensor(lengths as number[], [B], { dtype: 'int32', backend: like.backend });
    return lengths as Tensor;
  }
}
