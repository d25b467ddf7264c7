import { gruSequence, type Tensor } from '@cellstate/tensor';
import { resolveGruOptions, type GruOptions, type ResolvedGruOptions } from './gru-config.js';
import { RecurrentBase, type DirectionInput, type DirectionOutput, type RecurrentForwardOptions } from './recurrent-base.js';

export interface GruForwardOptions extends RecurrentForwardOptions {
  /** Initial hidden state [numLayers * directions, B, H] (default zeros), PyTorch's `h_0`. */
  h0?: Tensor;
}

export interface GruOutput {
  /** [T, B, D*H] (or [B, T, D*H] with batchFirst): the top layer's hidden state at every step. */
  output: Tensor;
  /** [numLayers * D, B, H]: final hidden states, PyTorch's order (l0, l0_reverse, l1, ...). */
  h: Tensor;
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
 * Each layer and direction is one `gruSequence` (@cellstate/tensor): a fused kernel on
 * backends that have one (one tape node with an explicit backward), else the input
 * projection of every step as one matmul, then one recurrent matmul and the gate math
 * per step, composed from tensor ops that autograd differentiates.
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
export class GRU extends RecurrentBase {
  declare readonly options: ResolvedGruOptions;

  constructor(options: GruOptions) {
    super(resolveGruOptions(options), { op: 'GRU', gates: 3, stateParts: ['h'], seedOffset: 19 });
  }

  /** Runs the layer over a batch of sequences. The caller owns both results; the inputs are not disposed. */
  forward(input: Tensor, options: GruForwardOptions = {}): GruOutput {
    const { output, finals } = this.runLayers(input, [options.h0], options);
    return { output, h: finals[0]! };
  }

  protected runDirection({ x, params: p, initial, lengths, reverse }: DirectionInput): DirectionOutput {
    const r = gruSequence({
      x,
      wIh: p.weightIh.value,
      wHh: p.weightHh.value,
      ...(p.biasIh && p.biasHh ? { bIh: p.biasIh.value, bHh: p.biasHh.value } : {}),
      h0: initial[0]!,
      ...(lengths ? { lengths } : {}),
      reverse,
    });
    return { y: r.y, finals: [r.hT] };
  }
}
