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
} from './safetensors.js';
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
