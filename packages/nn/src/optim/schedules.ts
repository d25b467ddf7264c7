/**
 * Learning-rate schedules with PyTorch's formulas. Each one drives the
 * `learningRate` of an optimizer (anything with a `learningRate` property); their
 * state is plain numbers (`stateDict()` / `loadStateDict()`), saved next to the
 * optimizer's. Like PyTorch, a scheduler counts epochs from 0 at construction and
 * `step()` advances it by one (call it after `optimizer.step()`, usually once per epoch).
 */
import { ArgumentError } from '@cellstate/tensor';
import { checkNonNegativeInteger, checkNonNegativeNumber, checkPositiveInteger } from '../check-arguments.js';

/** What a schedule drives: an `Optimizer`, or anything with a learning rate. */
export interface LearningRateTarget {
  learningRate: number;
}

/** A scheduler's state: plain numbers. */
export type SchedulerState = Record<string, number>;

function checkState(op: string, state: SchedulerState, keys: readonly string[]): void {
  for (const key of keys) {
    const value = state[key];
    if (typeof value !== 'number' || Number.isNaN(value)) throw new ArgumentError(`${op}.loadStateDict`, `state.${key} must be a number, got ${String(value)}`);
  }
}

/**
 * Base of epoch-based schedules: lr(epoch) from the learning rate found at
 * construction (`baseLearningRate`). Subclasses implement `learningRateAt`.
 *
 * @example
 * ```ts
 * class ExponentialLR extends LearningRateScheduler {
 *   constructor(optimizer: LearningRateTarget, readonly gamma: number) { super(optimizer); }
 *   learningRateAt(epoch: number) { return this.baseLearningRate * this.gamma ** epoch; }
 * }
 * ```
 */
export abstract class LearningRateScheduler {
  readonly optimizer: LearningRateTarget;
  baseLearningRate: number;
  /** The current epoch (0 after construction). */
  lastEpoch = 0;

  constructor(optimizer: LearningRateTarget) {
    this.optimizer = optimizer;
    this.baseLearningRate = optimizer.learningRate;
  }

  /** The learning rate of `epoch`. */
  abstract learningRateAt(epoch: number): number;

  /** Advances one epoch and sets the optimizer's learning rate. */
  step(): void {
    this.lastEpoch++;
    this.optimizer.learningRate = this.learningRateAt(this.lastEpoch);
  }

  /** The optimizer's current learning rate. */
  get learningRate(): number {
    return this.optimizer.learningRate;
  }

  stateDict(): SchedulerState {
    return { lastEpoch: this.lastEpoch, baseLearningRate: this.baseLearningRate };
  }

  /** Restores the epoch counter and base rate (the optimizer's rate comes with its own state). */
  loadStateDict(state: SchedulerState): void {
    checkState(this.constructor.name, state, ['lastEpoch', 'baseLearningRate']);
    if (!Number.isInteger(state.lastEpoch) || state.lastEpoch! < 0) throw new ArgumentError(`${this.constructor.name}.loadStateDict`, `lastEpoch must be a non-negative integer, got ${state.lastEpoch}`);
    this.lastEpoch = state.lastEpoch!;
    this.baseLearningRate = state.baseLearningRate!;
  }
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` epochs (PyTorch's
 * `StepLR`): lr = base · gamma^⌊epoch / stepSize⌋.
 *
 * @example
 * ```ts
 * const schedule = new StepLR(optimizer, 30, 0.1);
 * for (let epoch = 0; epoch < 100; epoch++) { train(); schedule.step(); }
 * ```
 */
export class StepLR extends LearningRateScheduler {
  constructor(optimizer: LearningRateTarget, readonly stepSize: number, readonly gamma = 0.1) {
    super(optimizer);
    checkPositiveInteger('StepLR', 'stepSize', stepSize);
    checkNonNegativeNumber('StepLR', 'gamma', gamma);
  }

  /** @example `new StepLR(opt, 2, 0.5).learningRateAt(5)` is base · 0.25. */
  learningRateAt(epoch: number): number {
    return this.baseLearningRate * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/**
 * Cosine annealing from the base rate to `etaMin` over `tMax` epochs (PyTorch's
 * `CosineAnnealingLR`, closed form): lr = etaMin + (base - etaMin)(1 + cos(π·epoch / tMax)) / 2.
 * Past tMax it rises again (the cosine is periodic), as PyTorch's does.
 *
 * @example
 * ```ts
 * const schedule = new CosineAnnealingLR(optimizer, 50, 1e-5);
 * ```
 */
export class CosineAnnealingLR extends LearningRateScheduler {
  constructor(optimizer: LearningRateTarget, readonly tMax: number, readonly etaMin = 0) {
    super(optimizer);
    checkPositiveInteger('CosineAnnealingLR', 'tMax', tMax);
    checkNonNegativeNumber('CosineAnnealingLR', 'etaMin', etaMin);
  }

  /** @example `new CosineAnnealingLR(opt, 10).learningRateAt(5)` is base / 2. */
  learningRateAt(epoch: number): number {
    return this.etaMin + ((this.baseLearningRate - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min' (default): lower metric is better; 'max': higher is better. */
  mode?: 'min' | 'max';
  /** Multiplier on a reduction (default 0.1, must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to the best; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound of the learning rate (default 0). */
  minLr?: number;
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the learning rate by `factor` when a metric stops improving for more than
 * `patience` epochs (PyTorch's `ReduceLROnPlateau`, same counters and threshold
 * rules). Read the metric first (`await loss.item()`), then `step(metric)`.
 *
 * @example
 * ```ts
 * const plateau = new ReduceLROnPlateau(optimizer, { patience: 2, factor: 0.5 });
 * plateau.step(await validationLoss.item());
 * ```
 */
export class ReduceLROnPlateau {
  readonly optimizer: LearningRateTarget;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  /** Best metric so far (±Infinity before the first step). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;

  constructor(optimizer: LearningRateTarget, options: ReduceLROnPlateauOptions = {}) {
    this.optimizer = optimizer;
    this.mode = options.mode ?? 'min';
    this.factor = options.factor ?? 0.1;
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? 'rel';
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    this.eps = options.eps ?? 1e-8;
    const op = 'ReduceLROnPlateau';
    if (this.mode !== 'min' && this.mode !== 'max') throw new ArgumentError(op, `mode must be 'min' or 'max', got '${String(this.mode)}'`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new ArgumentError(op, `thresholdMode must be 'rel' or 'abs', got '${String(this.thresholdMode)}'`);
    if (!(this.factor >= 0 && this.factor < 1)) throw new ArgumentError(op, `factor must be in [0, 1), got ${this.factor}`);
    for (const [key, value] of [['patience', this.patience], ['cooldown', this.cooldown]] as const) checkNonNegativeInteger(op, key, value);
    for (const [key, value] of [['threshold', this.threshold], ['minLr', this.minLr], ['eps', this.eps]] as const) checkNonNegativeNumber(op, key, value);
    this.best = this.#worst();
  }

  #worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** PyTorch's `is_better`. */
  isBetter(metric: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? metric < best * (1 - this.threshold) : metric < best - this.threshold;
    return this.thresholdMode === 'rel' ? metric > best * (1 + this.threshold) : metric > best + this.threshold;
  }

  /** Records one epoch's metric and reduces the learning rate if it has plateaued. */
  step(metric: number): void {
    if (typeof metric !== 'number') throw new ArgumentError('ReduceLROnPlateau.step', 'metric must be a number (read a tensor with await t.item() first)');
    this.lastEpoch++;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      const old = this.optimizer.learningRate;
      const next = Math.max(old * this.factor, this.minLr);
      if (old - next > this.eps) this.optimizer.learningRate = next;
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  /** The optimizer's current learning rate. */
  get learningRate(): number {
    return this.optimizer.learningRate;
  }

  /**
   * Counters as plain finite numbers (JSON-safe): `best` is left out while no metric
   * has been seen (it is ±Infinity then).
   */
  stateDict(): SchedulerState {
    const state: SchedulerState = { lastEpoch: this.lastEpoch, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
    if (Number.isFinite(this.best)) state.best = this.best;
    return state;
  }

  /** Restores the counters; a missing (or null) `best` means no metric seen yet. */
  loadStateDict(state: SchedulerState): void {
    const best = (state as Record<string, number | null | undefined>).best;
    const normalized: SchedulerState = { ...state, best: best === null || best === undefined ? this.#worst() : best };
    checkState('ReduceLROnPlateau', normalized, ['lastEpoch', 'best', 'numBadEpochs', 'cooldownCounter']);
    for (const key of ['lastEpoch', 'numBadEpochs', 'cooldownCounter'] as const) {
      if (!Number.isInteger(normalized[key]) || normalized[key]! < 0) throw new ArgumentError('ReduceLROnPlateau.loadStateDict', `${key} must be a non-negative integer, got ${normalized[key]}`);
    }
    this.lastEpoch = normalized.lastEpoch!;
    this.best = normalized.best!;
    this.numBadEpochs = normalized.numBadEpochs!;
    this.cooldownCounter = normalized.cooldownCounter!;
  }
}
