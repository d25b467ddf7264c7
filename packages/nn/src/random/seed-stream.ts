import { seedToKey, threefry2x32 } from '@cellstate/tensor';
import { checkSeed, deriveSeed } from '../seed.js';

/**
 * A stream of seeds that depends only on (seed, how many were drawn). Draw every
 * random decision of a training step (dropout masks, teacher-forcing coins, a shuffle)
 * from a stream made from (run seed, step), and a resumed run makes the same decisions
 * as an uninterrupted one without saving any generator state beyond the step.
 *
 * Draw n is `deriveSeed(seed, n)` for `next()` and Threefry-2x32 of (n, a constant)
 * under the seed's key for `uniform()`: counter-based, so nothing but the count is state.
 *
 * @example
 * ```ts
 * const stream = new SeedStream(deriveSeed(runSeed, step));
 * const h = dropout(x, 0.2, stream.next());   // this step's mask
 * const teacherForce = stream.uniform() < 0.5;
 * ```
 */
export class SeedStream {
  readonly #seed: number;
  #count = 0;

  constructor(seed: number) {
    checkSeed('SeedStream', seed);
    this.#seed = seed;
  }

  /** Draws made so far. */
  get count(): number {
    return this.#count;
  }

  /** The next seed (a non-negative safe integer) for a layer or op that takes one. */
  next(): number {
    return deriveSeed(this.#seed, this.#count++);
  }

  /** The next uniform number in [0, 1) (host side, 32 random bits). */
  uniform(): number {
    const [k0, k1] = seedToKey(this.#seed);
    const out = new Uint32Array(2);
    const i = this.#count++;
    threefry2x32(k0, k1, i >>> 0, 0x51ed27 ^ Math.floor(i / 4294967296), out);
    return out[0]! / 4294967296;
  }
}
