import { Module, type Parameter } from '@cellstate/nn';
import { ArgumentError, ShapeError, zeros, type Tensor } from '@cellstate/tensor';
import { recurrentWeights } from './init.js';

/** Sizes and initialisation of a recurrent cell (`GruCellOptions`; `LstmCellOptions` adds a forget-gate bias). */
export interface RecurrentCellOptions {
  inputSize: number;
  hiddenSize: number;
  /** Biases `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** Seed of the initialisation (default 0). */
  seed?: number;
}

/**
 * What `LSTMCell` and `GRUCell` share: checked sizes and PyTorch's parameters of one
 * recurrent step, `weight_ih` [gates·H, I], `weight_hh` [gates·H, H], `bias_ih` and
 * `bias_hh` [gates·H] (in that order, so the cells' state dicts match PyTorch's).
 * Each cell seeds its own stream (`seedOffset`), so an LSTM and a GRU cell of the same
 * seed do not share weights.
 */
export abstract class RecurrentCell extends Module {
  readonly #op: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly weightIh: Parameter;
  readonly weightHh: Parameter;
  readonly biasIh?: Parameter;
  readonly biasHh?: Parameter;

  protected constructor(op: string, gates: 3 | 4, seedOffset: number, options: RecurrentCellOptions & { forgetBias?: number }) {
    super();
    this.#op = op;
    const { inputSize: I, hiddenSize: H } = options;
    if (!Number.isInteger(I) || I < 1 || !Number.isInteger(H) || H < 1) {
      throw new ArgumentError(op, `inputSize and hiddenSize must be positive integers, got ${I} and ${H}`);
    }
    this.inputSize = I;
    this.hiddenSize = H;
    const w = recurrentWeights({ gates, inputSize: I, hiddenSize: H, seed: (options.seed ?? 0) * 1_000_003 + seedOffset, bias: options.bias ?? true, ...(options.forgetBias === undefined ? {} : { forgetBias: options.forgetBias }) });
    this.weightIh = this.addParameter('weight_ih', w.weightIh);
    this.weightHh = this.addParameter('weight_hh', w.weightHh);
    if (w.biasIh && w.biasHh) {
      this.biasIh = this.addParameter('bias_ih', w.biasIh);
      this.biasHh = this.addParameter('bias_hh', w.biasHh);
    }
  }

  /** Zeros [batchSize, H] on the parameters' backend. */
  protected zeroState(batchSize: number): Tensor {
    return zeros([batchSize, this.hiddenSize], { backend: this.weightIh.value.backend });
  }

  /** The batch size B of a step's input, after checking that x is [B, I]. */
  protected batchOf(x: Tensor): number {
    const I = this.inputSize;
    if (x.rank !== 2 || x.shape[1] !== I) {
      throw new ShapeError({ op: `${this.#op}.forward`, detail: `x must be [B, ${I}]`, expected: `[B, ${I}]`, actual: [...x.shape] });
    }
    return x.shape[0]!;
  }
}
