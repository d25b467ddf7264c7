import { ArgumentError, threefry2x32, seedToKey } from '@cellstate/tensor';

/**
 * Seeds for initialisers and dropout. Every random layer takes an explicit `seed`;
 * when it is left out, the next seed of a process-wide sequence is used, so a
 * program that builds its layers in the same order gets the same weights.
 * `manualSeed(n)` restarts that sequence (like `torch.manual_seed`).
 */
const state = { base: 0x5eed, counter: 0 };

function checkSeed(op: string, seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ArgumentError(op, `seed must be a non-negative safe integer, got ${seed}`);
}

/**
 * Restarts the default seed sequence used when a layer or initialiser is given no seed.
 *
 * @example
 * ```ts
 * manualSeed(42);
 * const a = new Linear(3, 2);
 * manualSeed(42);
 * const b = new Linear(3, 2); // same weights as a
 * ```
 */
export function manualSeed(seed: number): void {
  checkSeed('manualSeed', seed);
  state.base = seed;
  state.counter = 0;
}

/**
 * The next seed of the default sequence (what a layer uses when given no seed).
 *
 * @example
 * ```ts
 * const w = normal([3, 4], 0, 1, nextSeed());
 * ```
 */
export function nextSeed(): number {
  return deriveSeed(state.base, state.counter++);
}

/**
 * A seed for an independent stream `stream` of `seed` (weight and bias of one layer,
 * the n-th dropout call): Threefry-2x32 of (stream, a constant) under the seed's key,
 * folded to a 53-bit non-negative integer.
 *
 * @example
 * ```ts
 * const weightSeed = deriveSeed(7, 0);
 * const biasSeed = deriveSeed(7, 1);
 * ```
 */
export function deriveSeed(seed: number, stream: number): number {
  checkSeed('deriveSeed', seed);
  checkSeed('deriveSeed', stream);
  const [k0, k1] = seedToKey(seed);
  const out = new Uint32Array(2);
  threefry2x32(k0, k1, stream >>> 0, (Math.floor(stream / 4294967296) ^ 0x9e3779b9) >>> 0, out);
  return (out[1]! & 0x1fffff) * 4294967296 + out[0]!;
}

export { checkSeed };
