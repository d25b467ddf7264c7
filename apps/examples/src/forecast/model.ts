import { LSTM } from '@cellstate/lstm';
import { Linear, Module } from '@cellstate/nn';
import { reshape, scope, type Tensor } from '@cellstate/tensor';

/**
 * LSTM over the input window, then a linear head on the last hidden state:
 * x [T, B, 1] -> h_T [B, H] -> forecast [B, 1].
 */
export class Forecaster extends Module {
  readonly lstm: LSTM;
  readonly head: Linear;

  constructor(options: { hiddenSize: number; seed: number }) {
    super();
    this.lstm = this.addModule('lstm', new LSTM({ inputSize: 1, hiddenSize: options.hiddenSize, seed: options.seed }));
    this.head = this.addModule('head', new Linear(options.hiddenSize, 1, { seed: options.seed + 1 }));
  }

  forward(x: Tensor): Tensor {
    return scope(() => {
      const { h } = this.lstm.forward(x); // h: [numLayers = 1, B, H]
      return this.head.forward(reshape(h, [h.shape[1]!, h.shape[2]!]));
    });
  }
}
