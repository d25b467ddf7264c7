import { LSTM } from '@cellstate/lstm';
import { Linear, Module, Parameter, uniform } from '@cellstate/nn';
import { add, matmul, reshape, scope, slice, tanh, zeros, type Tensor } from '@cellstate/tensor';

/** A sequence regressor: x [T, B, I] -> one value per sequence [B, 1]. */
export interface SequenceRegressor extends Module {
  readonly label: string;
  forward(x: Tensor): Tensor;
}

/** LSTM over the sequence, a linear head on the last hidden state. */
export class LstmRegressor extends Module implements SequenceRegressor {
  readonly label = 'LSTM';
  readonly lstm: LSTM;
  readonly head: Linear;

  constructor(options: { inputSize: number; hiddenSize: number; seed: number; forgetBias?: number }) {
    super();
    this.lstm = this.addModule(
      'lstm',
      new LSTM({
        inputSize: options.inputSize,
        hiddenSize: options.hiddenSize,
        seed: options.seed,
        ...(options.forgetBias === undefined ? {} : { forgetBias: options.forgetBias }),
      }),
    );
    this.head = this.addModule('head', new Linear(options.hiddenSize, 1, { seed: options.seed + 1 }));
  }

  forward(x: Tensor): Tensor {
    return scope(() => {
      const { h } = this.lstm.forward(x); // [1, B, H]
      return this.head.forward(reshape(h, [h.shape[1]!, h.shape[2]!]));
    });
  }
}

/**
 * A plain (Elman) tanh RNN written with tensor ops, the model the LSTM was invented to
 * fix: h_t = tanh(x_t W_ihᵀ + h_{t-1} W_hhᵀ + b), h_0 = 0, a linear head on h_T.
 * Backpropagation through time is just autograd over the unrolled loop. Initialised
 * like PyTorch's `nn.RNN`: every weight ~ U(-1/√H, 1/√H).
 */
export class TanhRnnRegressor extends Module implements SequenceRegressor {
  readonly label = 'tanh RNN';
  readonly hiddenSize: number;
  readonly weightIh: Parameter;
  readonly weightHh: Parameter;
  readonly bias: Parameter;
  readonly head: Linear;

  constructor(options: { inputSize: number; hiddenSize: number; seed: number }) {
    super();
    const H = options.hiddenSize;
    const k = 1 / Math.sqrt(H);
    this.hiddenSize = H;
    this.weightIh = this.addParameter('weight_ih', uniform([H, options.inputSize], -k, k, options.seed * 4 + 1));
    this.weightHh = this.addParameter('weight_hh', uniform([H, H], -k, k, options.seed * 4 + 2));
    this.bias = this.addParameter('bias', uniform([H], -k, k, options.seed * 4 + 3));
    this.head = this.addModule('head', new Linear(H, 1, { seed: options.seed + 1 }));
  }

  forward(x: Tensor): Tensor {
    const [T, B, I] = x.shape as [number, number, number];
    return scope(() => {
      let h = zeros([B, this.hiddenSize], { backend: x.backend });
      for (let t = 0; t < T; t++) {
        // Slice x per step (not one big projection sliced per step): the gradient of a
        // slice is padded to its input's full size, so this keeps backward linear in T.
        const xt = reshape(slice(x, [t, 0, 0], [1, B, I]), [B, I]);
        const pre = add(add(matmul(xt, this.weightIh.value, { transposeB: true }), matmul(h, this.weightHh.value, { transposeB: true })), this.bias.value);
        h = tanh(pre);
      }
      return this.head.forward(h);
    });
  }
}
