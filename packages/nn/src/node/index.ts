/**
 * @cellstate/nn/node: Node-only helpers (file system). The rest of @cellstate/nn is
 * browser-safe.
 *
 * @example
 * ```ts
 * import { saveModel, loadModel } from '@cellstate/nn/node';
 * await saveModel('model.safetensors', model);
 * await loadModel('model.safetensors', model);
 * ```
 */
export {
  saveCheckpoint,
  writeFileAtomically,
  loadCheckpointFile,
  saveModel,
  loadModel,
  saveTrainingCheckpoint,
  loadTrainingCheckpoint,
  assertWritable,
  type AssertWritableOptions,
} from './checkpoint-file.js';
export { CheckpointError } from '../checkpoint/errors.js';
export { readCsv, readCsvColumns, readJsonl, readLines } from './readers.js';
export { progressBar, type ProgressBarOptions } from './progress-bar.js';
export { trainingCheckpoint, resumeTraining, type TrainingCheckpointOptions } from './fit-checkpoint.js';
