import { ShapeError, add, matmul, scope, type Tensor } from '@cellstate/tensor';
import { gruStep } from './gru-sequence.js';
import { RecurrentCell, type RecurrentCellOptions } from './recurrent-cell.js';

export type GruCellOptions = RecurrentCellOptions;

/**
 * One GRU step, PyTorch's `nn.GRUCell`: hidden state in, hidden state out, nothing
 * hidden inside, so one cell serves any number of independent streams of any batch
 * size. Parameters `weight_ih` [3H, I], `weight_hh` [3H, H], `bias_ih`, `bias_hh`
 * (gates r, z, n), initialised U(±1/√H) like PyTorch's.
 *
 *     r = σ(x Wirᵀ + b_ir + h Whrᵀ + b_hr)          reset gate
 *     z = σ(x Wizᵀ + b_iz + h Whzᵀ + b_hz)          update gate
 *     n = tanh(x Winᵀ + b_in + r ⊙ (h Whnᵀ + b_hn))  candidate
 *     h' = (1 − z) ⊙ n + z ⊙ h
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, randomUniform, reshape, slice } from '@cellstate/tensor';
 * import { GRUCell } from '@cellstate/lstm';
 * await ready();
 * const cell = new GRUCell({ inputSize: 4, hiddenSize: 8 });
 * const xs = randomUniform([6, 1, 4], { seed: 1 });          // a stream of 6 steps, batch 1
 * let h = cell.initialState(1);                               // [1, 8]
 * for (let t = 0; t < 6; t++) {
 *   const next = cell.forward(reshape(slice(xs, [t, 0, 0], [1, 1, 4]), [1, 4]), h);
 *   h.dispose();
 *   h = next;
 * }
 * console.log(h.shape); // [1, 8]
 * ```
 */
export class GRUCell extends RecurrentCell {
  constructor(options: GruCellOptions) {
    super('GRUCell', 3, 31, options);
  }

  /** Zero hidden state [batchSize, H]. */
  initialState(batchSize: number): Tensor {
    return this.zeroState(batchSize);
  }

  /** x [B, I], h [B, H] (zeros when omitted) -> h' [B, H]. Inputs are not disposed; the caller owns h'. */
  forward(x: Tensor, h?: Tensor): Tensor {
    const B = this.batchOf(x);
    const H = this.hiddenSize;
    if (h && (h.rank !== 2 || h.shape[0] !== B || h.shape[1] !== H)) {
      throw new ShapeError({ op: 'GRUCell.forward', detail: `h must be [B, ${H}] with B = ${B} (the batch of x)`, expected: [B, H], actual: [...h.shape] });
    }
    return scope(() => {
      const projected = matmul(x, this.weightIh.value, { transposeB: true });
      const gx = this.biasIh ? add(projected, this.biasIh.value) : projected;
      return gruStep(gx, h ?? this.initialState(B), this.weightHh.value, this.biasHh?.value, H);
    });
  }
}
