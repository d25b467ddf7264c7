import { deriveSeed } from '@cellstate/nn';
import { mul, randomBernoulli, seedToKey, threefry2x32, type Tensor } from '@cellstate/tensor';

/**
 * A stream of seeds that depends only on (seed, how many were drawn): every random
 * decision of a training step (dropout masks, teacher-forcing coins) draws from a
 * stream made from (run seed, step), so a resumed run makes the same decisions as an
 * uninterrupted one without saving any generator state beyond the step.
 */
export class SeedStream {
  readonly #seed: number;
  #count = 0;
  constructor(seed: number) {
    this.#seed = seed;
  }
  next(): number {
    return deriveSeed(this.#seed, this.#count++);
  }
  /** A uniform number in [0, 1) (host side). */
  uniform(): number {
    const [k0, k1] = seedToKey(this.#seed);
    const out = new Uint32Array(2);
    const i = this.#count++;
    threefry2x32(k0, k1, i >>> 0, 0x51ed27 ^ Math.floor(i / 4294967296), out);
    return out[0]! / 4294967296;
  }
}

/** Inverted dropout with an explicit seed (identity when `p` is 0 or `stream` is null). */
export function dropout(x: Tensor, p: number, stream: SeedStream | null): Tensor {
  if (!stream || p === 0) return x;
  const keepMask = randomBernoulli(x.shape, 1 - p, { seed: stream.next(), backend: x.backend });
  return mul(x, mul(keepMask, 1 / (1 - p)));
}

/** Deterministic Fisher-Yates shuffle of 0..n-1 under `seed` (host side). */
export function permutation(n: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const stream = new SeedStream(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(stream.uniform() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
