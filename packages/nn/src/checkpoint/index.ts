/**
 * safetensors checkpoints (browser-safe). File helpers for Node are in
 * `@cellstate/nn/node`.
 */
export { CheckpointError, type CheckpointErrorCode, type CheckpointErrorFields } from './errors.js';
export {
  parseSafetensors,
  serializeSafetensors,
  MAX_HEADER_SIZE,
  type SafetensorsDType,
  type SafetensorsWritableDType,
  type SafetensorsTensor,
  type ParsedSafetensors,
  type ParseSafetensorsOptions,
  type SafetensorsWritableTensor,
  type SerializeSafetensorsOptions,
} from './safetensors.js';
export {
  floatToHalf,
  halfToFloat,
  quantizeRowsQ8,
  dequantizeRowsQ8,
  narrowTensors,
  dequantizeTensors,
  dequantizeListed,
  dequantizeMatrix,
  scaleSuffixOf,
  Q8_SCALE_SUFFIX,
  Q8_MIN_SIZE,
  QUANTIZED_KEY,
  type NarrowTensorsOptions,
  type WeightsFileDType,
} from './quantize.js';
export { quantizeGroupsQ4, dequantizeGroupsQ4, q4Groups, Q4_GROUP, Q4_SCALE_SUFFIX } from './quantize-q4.js';
export {
  encodeModel,
  decodeInto,
  encodeTrainingState,
  decodeTrainingState,
  OPTIMIZER_PREFIX,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  RANDOM_STATE_KEY,
  type CheckpointOptimizerState,
  type CheckpointableOptimizer,
  type EncodeModelOptions,
  type DecodeModelOptions,
  type DecodeModelResult,
  type TrainingCheckpointState,
  type DecodeTrainingStateOptions,
  type DecodedTrainingState,
} from './state.js';
