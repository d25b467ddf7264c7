import { threefry2x32, seedToKey } from '@cellstate/tensor';
import { checkSeed } from './seed.js';

/**
 * Host-side (float64) random numbers for initialisers that need more than the
 * backends' uniform and Bernoulli ops (normal, orthogonal). Counter-based on the same
 * Threefry-2x32 generator as the backends: element i draws from counter i, so the
 * values depend only on (seed, index).
 */

/** Uniform in [0, 1) with 53 random bits, for element `index` under `seed`. */
export function uniform53(seed: number, index: number, out = new Uint32Array(2)): number {
  const [k0, k1] = seedToKey(seed);
  threefry2x32(k0, k1, index >>> 0, Math.floor(index / 4294967296) >>> 0, out);
  const hi = out[0]! >>> 5; // 27 bits
  const lo = out[1]! >>> 6; // 26 bits
  return (hi * 67108864 + lo) / 9007199254740992;
}

/**
 * `count` normal numbers N(mean, std²) by Box–Muller: pair k uses uniforms 2k and
 * 2k + 1 and yields r·cos θ (element 2k) and r·sin θ (element 2k + 1).
 *
 * @example
 * ```ts
 * const values = normalValues(7, 10); // Float64Array(10)
 * ```
 */
export function normalValues(seed: number, count: number, mean = 0, std = 1): Float64Array {
  checkSeed('normal', seed);
  const values = new Float64Array(count);
  const scratch = new Uint32Array(2);
  for (let k = 0; 2 * k < count; k++) {
    const u1 = 1 - uniform53(seed, 2 * k, scratch); // (0, 1]: log is finite
    const u2 = uniform53(seed, 2 * k + 1, scratch);
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    values[2 * k] = mean + std * r * Math.cos(theta);
    if (2 * k + 1 < count) values[2 * k + 1] = mean + std * r * Math.sin(theta);
  }
  return values;
}
