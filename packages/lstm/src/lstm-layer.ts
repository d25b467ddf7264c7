import { add, lstmSequence, zeros, type Tensor } from '@cellstate/tensor';
import { resolveLstmOptions, type LstmOptions, type ResolvedLstmOptions } from './lstm-config.js';
import type { LstmState } from './lstm-state.js';
import { RecurrentBase, type DirectionInput, type DirectionOutput, type RecurrentForwardOptions } from './recurrent-base.js';

export interface LstmForwardOptions extends RecurrentForwardOptions {
  /** Initial state, h and c of shape [numLayers * directions, B, H] (default zeros). */
  state?: LstmState;
}

export interface LstmOutput {
  /** [T, B, D*H] (or [B, T, D*H] with batchFirst): the top layer's hidden state at every step. */
  output: Tensor;
  /** [numLayers * D, B, H]: final hidden states, PyTorch's order (l0, l0_reverse, l1, ...). */
  h: Tensor;
  /** [numLayers * D, B, H]: final cell states. */
  c: Tensor;
}

/**
 * A (stacked, optionally bidirectional) LSTM layer with PyTorch's parameter names and
 * layout (`weight_ih_l0` [4H, I], `weight_hh_l0` [4H, H], `bias_ih_l0`, `bias_hh_l0`,
 * `_reverse` suffix; gates i, f, g, o), so PyTorch `nn.LSTM` weights load by name.
 * Each layer and direction runs as one `lstmSequence` op: the backend's fused kernel
 * where it has one, and trains by backpropagation through time.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, randomUniform } from '@cellstate/tensor';
 * import { LSTM } from '@cellstate/lstm';
 * await ready();
 * const lstm = new LSTM({ inputSize: 8, hiddenSize: 16, numLayers: 2, bidirectional: true });
 * const x = randomUniform([10, 4, 8], { seed: 1 });        // [T, B, I]
 * const { output, h, c } = lstm.forward(x, { lengths: [10, 7, 3, 1] });
 * console.log(output.shape, h.shape);                      // [10, 4, 32] [4, 4, 16]
 * ```
 */
export class LSTM extends RecurrentBase {
  declare readonly options: ResolvedLstmOptions;

  constructor(options: LstmOptions) {
    const o = resolveLstmOptions(options);
    super(o, { op: 'LSTM', gates: 4, stateParts: ['h', 'c'], seedOffset: 17, ...(o.forgetBias === undefined ? {} : { forgetBias: o.forgetBias }) });
  }

  /** Runs the layer over a batch of sequences. The caller owns the three results. */
  forward(input: Tensor, options: LstmForwardOptions = {}): LstmOutput {
    const { output, finals } = this.runLayers(input, [options.state?.h, options.state?.c], options);
    return { output, h: finals[0]!, c: finals[1]! };
  }

  /** One `lstmSequence`: the backend's fused kernel where it has one. */
  protected runDirection({ x, params: p, initial, lengths, reverse }: DirectionInput): DirectionOutput {
    const H = this.options.hiddenSize;
    const bias = p.biasIh && p.biasHh ? add(p.biasIh.value, p.biasHh.value) : zeros([4 * H], { backend: x.backend });
    const r = lstmSequence({ x, wIh: p.weightIh.value, wHh: p.weightHh.value, bias, h0: initial[0]!, c0: initial[1]!, ...(lengths ? { lengths } : {}), reverse });
    return { y: r.y, finals: [r.hT, r.cT] };
  }
}
