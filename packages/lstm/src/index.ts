/**
 * @cellstate/lstm: the LSTM and GRU cells and layers. LSTM: forget, input, candidate and
 * output gates; a cell state carried along the sequence; the hidden state as each step's
 * output. GRU: reset and update gates and a candidate, with the hidden state as the only
 * state (PyTorch's `nn.GRU` equations and layout).
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready } from '@cellstate/tensor';
 * import { LSTM, GRU } from '@cellstate/lstm';
 * await ready();
 * const lstm = new LSTM({ inputSize: 1, hiddenSize: 32 });
 * const gru = new GRU({ inputSize: 1, hiddenSize: 32 });
 * ```
 */
export { LSTM, MAX_FOLDED_TABLE_BYTES, type LstmEmbeddedOptions, type LstmForwardOptions, type LstmOutput } from './lstm-layer.js';
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
export { GRU, type GruForwardOptions, type GruOutput } from './gru-layer.js';
export { GRUCell, type GruCellOptions } from './gru-cell.js';
export type { GruOptions } from './gru-config.js';
export type { RecurrentOptions } from './recurrent-options.js';
export { RecurrentBase, type RecurrentForwardOptions, type DirectionParams, type DirectionInput, type DirectionOutput, type CellSpec } from './recurrent-base.js';
export { gruSequence, gruStep, type GruSequenceInput, type GruSequenceOutput } from './gru-sequence.js';
export { onnxGruToPytorch, pytorchGruToOnnx, type PytorchGruWeights, type OnnxGruWeights } from './gru-weight-layout.js';
