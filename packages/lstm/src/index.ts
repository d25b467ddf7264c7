/**
 * @cellstate/lstm: the LSTM cell and layer. Forget, input, candidate and output gates;
 * a cell state carried along the sequence; the hidden state as each step's output.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready } from '@cellstate/tensor';
 * import { LSTM } from '@cellstate/lstm';
 * await ready();
 * const lstm = new LSTM({ inputSize: 1, hiddenSize: 32 });
 * ```
 */
export { LSTM, type LstmForwardOptions, type LstmOutput } from './lstm-layer.js';
export { LSTMCell, type LstmCellOptions } from './lstm-cell.js';
export type { LstmOptions } from './lstm-config.js';
export type { LstmState } from './lstm-state.js';
export {
  kerasToPytorch,
  pytorchToKeras,
  onnxToPytorch,
  pytorchToOnnx,
  reorderGateBlocks,
  type PytorchLstmWeights,
  type KerasLstmWeights,
  type OnnxLstmWeights,
} from './weight-layout.js';
export { lstmUniform } from './init.js';
