/**
 * What a training module exports and what the runtime hands it: the two styles
 * (`setup` returning a step function, `train` running its own loop) described in
 * `@cellstate/worker/runtime`.
 */
import type { CheckpointableOptimizer, Module } from '@cellstate/nn';

/** What one step reports: the loss, or the loss with metrics (and `done: true` to stop early). */
export type StepOutput = number | { loss: number; metrics?: Record<string, number>; epoch?: number; done?: boolean };

export interface TrainingContext {
  /** `options` given to startTraining (structured-clone data). */
  options: unknown;
  /** The step a resumed run continues from (0 for a new run). */
  startStep: number;
  /** Aborted when the run is cancelled. */
  signal: AbortSignal;
  /** Sends a line to the main thread's `log` listeners. */
  log(message: string): void;
}

export interface TrainingSetup {
  model: Module;
  optimizer?: CheckpointableOptimizer;
  /** Length of the run (for ETA and to stop); without it the run goes on until a step returns `done` or it is cancelled. */
  totalSteps?: number;
  /** One training step; `step` is 1-based and continues after a resume. */
  step(step: number): StepOutput | Promise<StepOutput>;
  /** Called when the run ends (free tensors, close data sources). */
  dispose?(): void | Promise<void>;
}

export interface TrainLoopContext extends TrainingContext {
  /** The model (and optimizer) checkpoints save and a resume restores. Call before the first `report`. Resolves with the step to continue from. */
  track(model: Module, optimizer?: CheckpointableOptimizer, totalSteps?: number): Promise<number>;
  /** Reports a finished step; pauses here while paused; throws `TrainingCancelled` when cancelled. */
  report(output: StepOutput): Promise<void>;
}

export interface TrainingModule {
  setup?(context: TrainingContext): TrainingSetup | Promise<TrainingSetup>;
  train?(context: TrainLoopContext): void | Promise<void>;
}

/** Thrown by `TrainLoopContext.report` when the run was cancelled; let it propagate. */
export class TrainingCancelled extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'TrainingCancelled';
  }
}
