import { CellstateError, backward, readMany, scope, type Tensor } from '@cellstate/tensor';
import { gradNormScale } from './optim/clip-grad-norm.js';
import type { Optimizer } from './optim/optimizer.js';

/** The loss (or the gradient norm) became NaN or infinite; the step was not applied. */
export class NonFiniteLossError extends CellstateError {
  readonly step: number;
  readonly loss: number;
  constructor(step: number, loss: number, what: 'loss' | 'gradient norm') {
    super(
      `training step ${step}: the ${what} is ${loss}; the update was not applied (lower the learning rate, clip gradients, or pass onNonFinite: 'skip')`,
      { op: 'Trainer.step', actual: loss },
    );
    this.step = step;
    this.loss = loss;
  }
}

export interface TrainerOptions {
  optimizer: Optimizer;
  /** Clip the global gradient norm to this value before each update (PyTorch's clip_grad_norm_). */
  clipGradNorm?: number;
  /** What to do when the loss or gradient norm is NaN/Infinity: throw (default) or skip the update. */
  onNonFinite?: 'throw' | 'skip';
  /** Steps taken before this trainer (a resumed run), so step numbers and errors name the run's step. */
  initialStep?: number;
}

export interface StepResult {
  /** 1-based number of this step (counting skipped ones). */
  step: number;
  loss: number;
  /** Global gradient norm before clipping (measured on every step: a non-finite gradient is caught even without clipping). */
  gradientNorm?: number;
  /** True when the update was skipped because of a non-finite loss. */
  skipped: boolean;
}

/**
 * One training step done right: forward + backward inside `scope()` (nothing leaks),
 * optional gradient clipping, a finiteness check on the loss before the update, then
 * the optimizer step. One read per step (loss and norm together).
 *
 * @example
 * ```ts
 * const trainer = new Trainer({ optimizer: new Adam(model, { learningRate: 1e-3 }), clipGradNorm: 1 });
 * for (const batch of batches) {
 *   const { loss } = await trainer.step(() => crossEntropyLoss(model.forward(batch.x), batch.y));
 * }
 * ```
 */
export class Trainer {
  readonly optimizer: Optimizer;
  readonly options: Required<Omit<TrainerOptions, 'clipGradNorm' | 'optimizer' | 'initialStep'>> & { clipGradNorm?: number };
  #steps = 0;
  #skipped = 0;

  constructor(options: TrainerOptions) {
    this.optimizer = options.optimizer;
    this.#steps = options.initialStep ?? 0;
    this.options = { onNonFinite: options.onNonFinite ?? 'throw', ...(options.clipGradNorm !== undefined ? { clipGradNorm: options.clipGradNorm } : {}) };
  }

  /** Steps taken (counting `initialStep`), skipped ones included. */
  get steps(): number {
    return this.#steps;
  }

  /** Steps skipped for a non-finite loss. */
  get skipped(): number {
    return this.#skipped;
  }

  /** Computes `loss()`, backpropagates, checks, clips and updates. */
  async step(loss: () => Tensor): Promise<StepResult> {
    const step = ++this.#steps;
    const clip = this.options.clipGradNorm;
    const prepared = scope(() => {
      const value = loss();
      const gradients = backward(value);
      if (clip === undefined) {
        // No clipping, but the norm still tells whether a gradient is NaN or infinite
        // (a finite loss can have them), read together with the loss.
        const { totalNorm, scale } = gradNormScale(gradients, Number.MAX_VALUE);
        scale.dispose();
        return { value, gradients, norm: totalNorm, scale: undefined as Tensor | undefined };
      }
      // The clipping coefficient goes to the optimizer, which folds it into its update.
      const { totalNorm, scale } = gradNormScale(gradients, clip);
      return { value, gradients, norm: totalNorm as Tensor | undefined, scale: scale as Tensor | undefined };
    });
    const toRead = prepared.norm ? [prepared.value, prepared.norm] : [prepared.value];
    try {
      const [lossValues, normValues] = await readMany(toRead);
      const lossValue = lossValues![0]!;
      const norm = normValues?.[0];
      const bad = !Number.isFinite(lossValue) ? ('loss' as const) : norm !== undefined && !Number.isFinite(norm) ? ('gradient norm' as const) : null;
      if (bad) {
        if (this.options.onNonFinite === 'throw') throw new NonFiniteLossError(step, bad === 'loss' ? lossValue : norm!, bad);
        this.#skipped++;
        return { step, loss: lossValue, ...(norm !== undefined ? { gradientNorm: norm } : {}), skipped: true };
      }
      this.optimizer.step(prepared.gradients, prepared.scale ? { gradScale: prepared.scale } : {});
      return { step, loss: lossValue, ...(norm !== undefined ? { gradientNorm: norm } : {}), skipped: false };
    } finally {
      for (const t of [...toRead, ...prepared.gradients.values()]) t.dispose();
      prepared.scale?.dispose();
    }
  }
}
