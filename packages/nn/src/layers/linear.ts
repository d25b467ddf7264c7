import { DTypeError, ShapeError, add, matmul, reshape, scope, type Tensor } from '@cellstate/tensor';
import { uniform } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { deriveSeed, nextSeed } from '../seed.js';
import { checkPositiveInteger } from '../check-arguments.js';

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Seed of the initial weights (default: the next seed of the default sequence). */
  seed?: number;
}

/**
 * y = x·Wᵀ + b, PyTorch's `nn.Linear`: parameters `weight` [out, in] and `bias` [out]
 * with PyTorch's names and layout, initialised as PyTorch does (kaiming-uniform with
 * a = √5, which is U(±1/√in), for the weight; U(±1/√in) for the bias).
 *
 * @example
 * ```ts
 * const fc = new Linear(4, 2, { seed: 1 });
 * const y = fc.forward(zeros([8, 4])); // [8, 2]
 * ```
 */
export class Linear extends Module {
  /** [out, in] */
  readonly weight: Parameter;
  /** [out], or null with `{ bias: false }`. */
  readonly bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    checkPositiveInteger('Linear', 'inFeatures', inFeatures);
    checkPositiveInteger('Linear', 'outFeatures', outFeatures);
    const seed = options.seed ?? nextSeed();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.addParameter('weight', uniform([outFeatures, inFeatures], -bound, bound, deriveSeed(seed, 0)));
    this.bias = (options.bias ?? true) ? this.addParameter('bias', uniform([outFeatures], -bound, bound, deriveSeed(seed, 1))) : null;
  }

  /**
   * x [..., in] -> [..., out]. The input is not disposed.
   *
   * @example
   * ```ts
   * const y = new Linear(3, 5).forward(zeros([2, 7, 3])); // [2, 7, 5]
   * ```
   */
  forward(x: Tensor): Tensor {
    if (x.dtype !== 'float32') throw new DTypeError({ op: 'Linear', detail: 'input must be float32', expected: 'float32', actual: x.dtype });
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError({ op: 'Linear', detail: `input must end in inFeatures = ${this.inFeatures}`, expected: `[..., ${this.inFeatures}]`, actual: [...x.shape] });
    }
    return scope(() => {
      const rows = reshape(x, [-1, this.inFeatures]);
      const projected = matmul(rows, this.weight.value, { transposeB: true });
      const y = this.bias ? add(projected, this.bias.value) : projected;
      return reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }
}
