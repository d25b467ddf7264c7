/**
 * @cellstate/nn: modules and parameters, layers (Linear, Embedding, Dropout), losses,
 * seeded initialisers and random streams (`SeedStream`, `dropout`, `permutation`), optimizers (SGD, Adam, AdamW), gradient clipping, learning-rate
 * schedules and safetensors checkpoints. PyTorch names, layouts and formulas
 * throughout.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, backward, scope, tensor } from '@cellstate/tensor';
 * import { Linear, Adam, mseLoss } from '@cellstate/nn';
 * await ready();
 * const model = new Linear(2, 1, { seed: 1 });
 * const optimizer = new Adam(model, { learningRate: 0.01 });
 * const loss = scope(() => {
 *   const l = mseLoss(model.forward(tensor([[1, 2]])), tensor([[3]]));
 *   optimizer.step(backward(l));
 *   return l;
 * });
 * console.log(await loss.item());
 * ```
 */
export { Module, StateDictError, RandomStateError, type LoadStateDictOptions, type SetRandomStateOptions } from './module.js';
export { Parameter } from './parameter.js';
export { manualSeed, nextSeed, deriveSeed } from './seed.js';
export { SeedStream } from './random/seed-stream.js';
export { permutation } from './random/permutation.js';
export { dropout } from './random/dropout.js';
export { IndexOutOfRangeError } from './check-indices.js';

export { Linear, type LinearOptions } from './layers/linear.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { LastStep, AllSteps, isRecurrentOutput, type LastStepOptions, type RecurrentOutput, type SequenceContext } from './layers/sequence.js';
export { Sequential, type SequentialLayer, type SequentialForwardOptions, type LayerVisitor } from './sequential.js';
export { summary, summaryRows, type SummaryOptions, type SummaryRow, type ModelSummary } from './summary.js';

export {
  mseLoss,
  crossEntropyLoss,
  l1Loss,
  huberLoss,
  bceWithLogitsLoss,
  type Reduction,
  type ReductionOptions,
  type CrossEntropyOptions,
  type HuberOptions,
  type BceWithLogitsOptions,
} from './losses.js';
export {
  meanAbsoluteError,
  meanSquaredError,
  rootMeanSquaredError,
  meanAbsolutePercentageError,
  accuracy,
  precision,
  recall,
  f1Score,
  confusionMatrix,
  classificationScores,
  argmaxRows,
  type ClassScores,
  type ClassificationScores,
} from './metrics.js';
export { uniform, pytorchUniform, normal, xavierUniform, xavierNormal, orthogonal, calculateFans, calculateGain } from './init.js';

export { Optimizer, OptimizerStateError, type OptimizerState, type OptimizerStepOptions, type HyperParameters, type ParameterSource } from './optim/optimizer.js';
export { SGD, type SgdOptions } from './optim/sgd.js';
export { Adam, AdamW, type AdamOptions } from './optim/adam.js';
export { clipGradNorm, gradNormScale, type ClipGradNormOptions, type ClipGradNormResult, type GradNormScaleResult } from './optim/clip-grad-norm.js';
export {
  LearningRateScheduler,
  StepLR,
  CosineAnnealingLR,
  ReduceLROnPlateau,
  type LearningRateTarget,
  type SchedulerState,
  type ReduceLROnPlateauOptions,
} from './optim/schedules.js';

export * from './checkpoint/index.js';
export * from './data/index.js';
export { Trainer, NonFiniteLossError, type TrainerOptions, type StepResult } from './trainer.js';
export {
  fit,
  evaluate,
  predict,
  snapshotParameters,
  restoreParameters,
  type FitModel,
  type FitOptions,
  type FitLoopOptions,
  type TrainingTask,
  type BatchLogs,
  type FitContext,
  type Callback,
  type EpochLogs,
  type History,
  type LossName,
  type LossFunction,
  type MetricName,
  type Metric,
  type EvaluateOptions,
  type Evaluation,
  type PredictOptions,
} from './fit.js';
export { earlyStopping, progressLogger, type EarlyStopping, type EarlyStoppingOptions, type ProgressLoggerOptions } from './callbacks.js';
export { withoutInitialization, initializationSkipped } from './skip-init.js';
