import { bitsToUniform, seedToKey, threefry2x32 } from '@cellstate/tensor';

/**
 * Counter-based random numbers (Threefry-2x32, 20 rounds; see `random-bits.ts` in
 * @cellstate/tensor). Element i of a tensor draws from counter (i low 32 bits,
 * i high bits) under key seedToKey(seed), so the values depend only on (shape, seed)
 * and equal `uniformAt(seed, i)` on every backend.
 *
 * Shapes: out [...S] (flat, row-major).
 */

const TWO_POW_32 = 4294967296;

/** out[i] = uniformAt(seed, i), float32 in [0, 1). */
export function randomUniform(seed: number, out: Float32Array): void {
  const [k0, k1] = seedToKey(seed);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    out[i] = bitsToUniform(threefry2x32(k0, k1, i >>> 0, Math.floor(i / TWO_POW_32) >>> 0));
  }
}

/** out[i] = uniformAt(seed, i) < p ? 1 : 0 (the same stream as randomUniform). */
export function randomBernoulli(p: number, seed: number, out: Float32Array): void {
  const [k0, k1] = seedToKey(seed);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    out[i] = bitsToUniform(threefry2x32(k0, k1, i >>> 0, Math.floor(i / TWO_POW_32) >>> 0)) < p ? 1 : 0;
  }
}
