import { ArgumentError, DTypeError, mul, reshape, type Tensor } from '@cellstate/tensor';
import { Module } from '../module.js';
import { deriveSeed, nextSeed } from '../seed.js';
import { dropout } from '../random/dropout.js';

export interface DropoutOptions {
  /** Seed of the mask sequence (default: the next seed of the default sequence). */
  seed?: number;
}

/**
 * Inverted dropout (PyTorch's `nn.Dropout`): in training mode each element is zeroed
 * with probability `p` and the survivors are scaled by 1 / (1 - p), so the expected
 * value is unchanged; in eval mode, or with p = 0, it is the identity. Each call
 * draws a new mask: call n is `dropout(x, p, deriveSeed(seed, n))`, so a run is reproducible.
 * n is the module's random-stream position: `randomState()` reads it and
 * `setRandomState()` restores it (training checkpoints do both), so a resumed run
 * draws the masks an uninterrupted one would.
 *
 * @example
 * ```ts
 * const drop = new Dropout(0.1, { seed: 3 });
 * const y = drop.forward(h);   // training: masked and scaled
 * drop.eval();
 * const z = drop.forward(h);   // eval: same values as h
 * ```
 */
export class Dropout extends Module {
  readonly p: number;
  readonly #seed: number;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ArgumentError('Dropout', `p must be in [0, 1], got ${p}`);
    this.p = p;
    this.#seed = options.seed ?? nextSeed();
    this.trackRandomCalls();
  }

  /** Masks drawn so far (the index of the next call's stream; restore it with `setRandomState({ '': n })`). */
  get calls(): number {
    return this.randomCalls;
  }

  /**
   * Applies dropout to x (any shape, float32). Always returns a new tensor (a view of
   * x in eval mode); the input is not disposed.
   *
   * @example
   * ```ts
   * const y = new Dropout(0.5, { seed: 1 }).forward(ones([4, 4])); // entries 0 or 2
   * ```
   */
  forward(x: Tensor): Tensor {
    if (x.dtype !== 'float32') throw new DTypeError({ op: 'Dropout', detail: 'input must be float32', expected: 'float32', actual: x.dtype });
    if (!this.training || this.p === 0) return reshape(x, x.shape);
    if (this.p === 1) return mul(x, 0);
    return dropout(x, this.p, deriveSeed(this.#seed, this.nextRandomCall()));
  }
}
