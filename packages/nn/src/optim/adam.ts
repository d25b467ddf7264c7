import { ArgumentError, adamStep, zerosLike, type AdamStepInput, type Tensor } from '@cellstate/tensor';
import type { Parameter } from '../parameter.js';
import { Optimizer, type ParameterSource } from './optimizer.js';
import { checkNonNegativeNumber } from '../check-arguments.js';

export interface AdamOptions {
  /** Default 1e-3. */
  learningRate?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /** Default 0 for Adam (L2 added to the gradient), 0.01 for AdamW (decoupled). */
  weightDecay?: number;
}

// The numbers adamStep takes, less the step (counted by the optimizer): one definition.
type AdamHyper = Omit<AdamStepInput, 'param' | 'grad' | 'm' | 'v' | 'gradScale' | 'step'>;

const SLOTS = ['exp_avg', 'exp_avg_sq'] as const;

/** Shared by Adam and AdamW: the same update through `adamStep`, differing in the weight-decay rule. */
abstract class AdamFamily extends Optimizer<AdamHyper> {
  protected readonly slotNames: readonly string[] = SLOTS;

  constructor(params: ParameterSource, options: AdamOptions, decoupledWeightDecay: boolean) {
    const hyper = adamHyper(options, decoupledWeightDecay);
    super(params, hyper);
    this.validateHyper(hyper);
  }

  protected override validateHyper(hyper: AdamHyper): void {
    super.validateHyper(hyper);
    validateAdam(this.constructor.name, hyper);
    const decoupled = this instanceof AdamW;
    if (hyper.decoupledWeightDecay !== decoupled) {
      throw new ArgumentError(this.constructor.name, `decoupledWeightDecay must be ${decoupled} for ${this.constructor.name}`);
    }
  }

  protected override readonly scalesGradients = true;

  protected update(name: string, parameter: Parameter, gradient: Tensor, step: number, gradScale?: Tensor): void {
    const m = this.getSlot(name, 'exp_avg') ?? zerosLike(parameter.value);
    const v = this.getSlot(name, 'exp_avg_sq') ?? zerosLike(parameter.value);
    // The old value and slots are disposed right below, so the backend may update them in place.
    const next = adamStep({ param: parameter.value, grad: gradient, m, v, step, ...this.hyper, ...(gradScale ? { gradScale } : {}), donate: true });
    this.setSlot(name, 'exp_avg', next.m);
    this.setSlot(name, 'exp_avg_sq', next.v);
    parameter.assign(next.param);
  }
}

/**
 * Adam with PyTorch's `torch.optim.Adam` formula (through the `adamStep` op):
 * g ← g + λθ; m ← β₁m + (1 - β₁)g; v ← β₂v + (1 - β₂)g²;
 * θ ← θ - (lr / (1 - β₁ᵗ)) · m / (√v / √(1 - β₂ᵗ) + ε). Slots `exp_avg` (m) and
 * `exp_avg_sq` (v) start as zeros on a parameter's first update. No AMSGrad.
 *
 * @example
 * ```ts
 * const optimizer = new Adam(model, { learningRate: 1e-3 });
 * optimizer.step(backward(loss));
 * ```
 */
export class Adam extends AdamFamily {
  constructor(params: ParameterSource, options: AdamOptions = {}) {
    super(params, options, false);
  }
}

/**
 * AdamW (PyTorch's `torch.optim.AdamW`): Adam with decoupled weight decay,
 * θ ← θ(1 - lr·λ) before the Adam update (no L2 term in the gradient); λ defaults
 * to 0.01.
 *
 * @example
 * ```ts
 * const optimizer = new AdamW(model, { learningRate: 1e-3, weightDecay: 0.01 });
 * ```
 */
export class AdamW extends AdamFamily {
  constructor(params: ParameterSource, options: AdamOptions = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 0.01 }, true);
  }
}

function adamHyper(options: AdamOptions, decoupled: boolean): AdamHyper {
  return {
    learningRate: options.learningRate ?? 1e-3,
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
    epsilon: options.epsilon ?? 1e-8,
    weightDecay: options.weightDecay ?? 0,
    decoupledWeightDecay: decoupled,
  };
}

function validateAdam(op: string, hyper: AdamHyper): void {
  for (const key of ['beta1', 'beta2'] as const) {
    if (!(hyper[key] >= 0 && hyper[key] < 1)) throw new ArgumentError(op, `${key} must be in [0, 1), got ${hyper[key]}`);
  }
  checkNonNegativeNumber(op, 'epsilon', hyper.epsilon);
  checkNonNegativeNumber(op, 'weightDecay', hyper.weightDecay);
}
