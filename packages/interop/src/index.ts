/**
 * @cellstate/interop: models in and out of cellstate without Python.
 *
 * - PyTorch: safetensors state dicts of `nn.LSTM` / `nn.GRU` / `nn.Linear` / `nn.Embedding`
 *   load by name (`loadPytorch`, `importPytorch`), and models export to the same
 *   (`exportPytorch`).
 * - Keras: Keras 3 `.keras` archives and legacy Keras 2 `.h5` files with LSTM,
 *   Bidirectional(LSTM), Dense, Embedding (`importKeras`, `readKeras`).
 * - ONNX: export to the ONNX `LSTM` and `GRU` ops with `sequence_lens` (`exportOnnx`);
 *   import of PyTorch's LSTM/GRU/Gemm/MatMul graphs (`importOnnx`, `readOnnx`).
 *
 * Every loader checks everything before it changes a model and reports the first
 * mismatch as an `InteropError` with the tensor name, expected and actual shape.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, tensor } from '@cellstate/tensor';
 * import { importKeras, exportOnnx } from '@cellstate/interop';
 * await ready();
 * const { model } = await importKeras(new Uint8Array(await (await fetch('model.keras')).arrayBuffer()));
 * const probs = model.forward(tensor([[3, 7, 1]], [1, 3], { dtype: 'int32' }));
 * const onnxBytes = await exportOnnx(model);
 * ```
 */
export { InteropError, type InteropErrorCode, type InteropFormat, type InteropErrorFields } from './errors.js';
export {
  MODEL_CONFIG_FORMAT,
  CONFIG_LIMITS,
  validateConfig,
  sequenceModelParameterCount,
  type ModelConfig,
  type LayerSpec,
  type EmbeddingSpec,
  type LstmSpec,
  type GruSpec,
  type LinearSpec,
  type ActivationSpec,
  type ActivationFunction,
  type RecurrentOutput,
} from './config.js';
export { SequenceModel, lengthsFromTrailingZeros, type SequenceModelOptions, type SequenceModelForwardOptions } from './model.js';
export { applyWeights, readParameters, type HostTensor, type ApplyWeightsOptions, type LoadReport } from './weights.js';
export {
  CONFIG_METADATA_KEY,
  exportPytorch,
  readPytorch,
  loadPytorch,
  importPytorch,
  type ExportPytorchOptions,
  type ReadPytorchOptions,
  type PytorchFile,
  type LoadPytorchOptions,
  type ImportPytorchOptions,
} from './pytorch.js';
export { exportOnnx, describeOnnxExport, type ExportOnnxOptions, type OnnxExportSignature } from './onnx/export.js';
export { readOnnx, importOnnx, loadOnnx, type ReadOnnxOptions, type OnnxFile, type ImportOnnxOptions, type ImportedOnnx, type LoadOnnxOptions } from './onnx/import.js';
export { readKeras, importKeras, loadKeras, toSnakeCase, type KerasFormat, type ReadKerasOptions, type KerasFile, type ImportKerasOptions, type ImportedKeras, type LoadKerasOptions } from './keras/keras.js';
