import { add, lstmSequence, reshape, scope, zeros, type Tensor } from '@cellstate/tensor';
import type { LstmState } from './lstm-state.js';
import { RecurrentCell, type RecurrentCellOptions } from './recurrent-cell.js';

export interface LstmCellOptions extends RecurrentCellOptions {
  /** Initial forget-gate bias (see LstmOptions.forgetBias). */
  forgetBias?: number;
}

/**
 * One LSTM step, PyTorch's `nn.LSTMCell`: state in, state out, nothing hidden inside,
 * so one cell serves any number of independent streams of any batch size.
 *
 *     i, f, g, o = σ, σ, tanh, σ of (x Wihᵀ + b_ih + h Whhᵀ + b_hh)
 *     c' = f ⊙ c + i ⊙ g        (forget some of the old memory, write some new)
 *     h' = o ⊙ tanh(c')         (expose part of the memory as output)
 *
 * @example
 * ```ts
 * const cell = new LSTMCell({ inputSize: 4, hiddenSize: 8 });
 * let state = cell.initialState(1);
 * for (const xt of stream) {
 *   const next = cell.forward(xt, state);     // xt [1, 4]
 *   state.h.dispose(); state.c.dispose();
 *   state = next;
 * }
 * ```
 */
export class LSTMCell extends RecurrentCell {
  constructor(options: LstmCellOptions) {
    super('LSTMCell', 4, 29, options);
  }

  /** Zero state for a batch of `batchSize`. */
  initialState(batchSize: number): LstmState {
    return { h: this.zeroState(batchSize), c: this.zeroState(batchSize) };
  }

  /** x [B, I], state {h, c} [B, H] (zeros when omitted) -> new state. Inputs are not disposed. */
  forward(x: Tensor, state?: LstmState): LstmState {
    const B = this.batchOf(x);
    const H = this.hiddenSize;
    return scope(() => {
      const s = state ?? this.initialState(B);
      const bias = this.biasIh && this.biasHh ? add(this.biasIh.value, this.biasHh.value) : zeros([4 * H], { backend: x.backend });
      const r = lstmSequence({ x: reshape(x, [1, B, this.inputSize]), wIh: this.weightIh.value, wHh: this.weightHh.value, bias, h0: s.h, c0: s.c });
      return { h: r.hT, c: r.cT };
    });
  }
}
