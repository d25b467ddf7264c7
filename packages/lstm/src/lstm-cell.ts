import { ShapeError, add, lstmSequence, reshape, scope, zeros, type Tensor } from '@cellstate/tensor';
import type { LstmState } from './lstm-state.js';
import { RecurrentCell } from './recurrent-cell.js';

export interface LstmCellOptions {
  inputSize: number;
  hiddenSize: number;
  bias?: boolean;
  seed?: number;
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
    const backend = this.weightIh.value.backend;
    return { h: zeros([batchSize, this.hiddenSize], { backend }), c: zeros([batchSize, this.hiddenSize], { backend }) };
  }

  /** x [B, I], state {h, c} [B, H] (zeros when omitted) -> new state. Inputs are not disposed. */
  forward(x: Tensor, state?: LstmState): LstmState {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) {
      throw new ShapeError({ op: 'LSTMCell.forward', detail: `x must be [B, ${this.inputSize}]`, expected: ['B', this.inputSize], actual: [...x.shape] });
    }
    const B = x.shape[0]!;
    const H = this.hiddenSize;
    return scope(() => {
      const s = state ?? this.initialState(B);
      const bias = this.biasIh && this.biasHh ? add(this.biasIh.value, this.biasHh.value) : zeros([4 * H], { backend: x.backend });
      const r = lstmSequence({ x: reshape(x, [1, B, this.inputSize]), wIh: this.weightIh.value, wHh: this.weightHh.value, bias, h0: s.h, c0: s.c });
      return { h: r.hT, c: r.cT };
    });
  }
}
