import { ArgumentError, add, mul, reshape, sub, type Tensor } from '@cellstate/tensor';
import type { Parameter } from '../parameter.js';
import { Optimizer, type ParameterSource } from './optimizer.js';
import { checkNonNegativeNumber } from '../check-arguments.js';

export interface SgdOptions {
  learningRate: number;
  /** Momentum factor μ (default 0: plain SGD, no slot). */
  momentum?: number;
  /** Dampening τ of the momentum (default 0). */
  dampening?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay?: number;
}

type SgdHyper = { learningRate: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number };

/**
 * Stochastic gradient descent with PyTorch's `torch.optim.SGD` semantics:
 * g ← g + λθ; with momentum, b ← g on the first step, else b ← μb + (1 - τ)g; then
 * g ← g + μb (Nesterov) or g ← b; finally θ ← θ - lr·g. Slot: `momentum_buffer`.
 *
 * @example
 * ```ts
 * const optimizer = new SGD(model, { learningRate: 0.1, momentum: 0.9, nesterov: true });
 * optimizer.step(backward(loss));
 * ```
 */
export class SGD extends Optimizer<SgdHyper> {
  protected readonly slotNames: readonly string[];

  constructor(params: ParameterSource, options: SgdOptions) {
    const hyper: SgdHyper = {
      learningRate: options.learningRate,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      nesterov: options.nesterov ?? false,
      weightDecay: options.weightDecay ?? 0,
    };
    super(params, hyper);
    this.validateHyper(hyper);
    this.slotNames = hyper.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected override validateHyper(hyper: SgdHyper): void {
    super.validateHyper(hyper);
    for (const key of ['momentum', 'dampening', 'weightDecay'] as const) checkNonNegativeNumber('SGD', key, hyper[key]);
    if (hyper.nesterov && (hyper.momentum <= 0 || hyper.dampening !== 0)) {
      throw new ArgumentError('SGD', 'Nesterov momentum requires a momentum and zero dampening');
    }
    if (this.slotNames && (hyper.momentum !== 0) !== this.slotNames.length > 0) {
      throw new ArgumentError('SGD', 'momentum cannot be switched on or off after construction');
    }
  }

  protected update(name: string, parameter: Parameter, gradient: Tensor): void {
    const { learningRate, momentum, dampening, nesterov, weightDecay } = this.hyper;
    const theta = parameter.value;
    let d: Tensor = weightDecay !== 0 ? add(gradient, mul(theta, weightDecay)) : gradient;
    if (momentum !== 0) {
      const previous = this.getSlot(name, 'momentum_buffer');
      // First step: the buffer is a copy of d (a view: tensors are immutable).
      const buffer = previous ? add(mul(previous, momentum), mul(d, 1 - dampening)) : reshape(d, d.shape);
      this.setSlot(name, 'momentum_buffer', buffer);
      d = nesterov ? add(d, mul(buffer, momentum)) : buffer;
    }
    parameter.assign(sub(theta, mul(d, learningRate)));
  }
}
