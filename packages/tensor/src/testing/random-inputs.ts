import { sizeOf, type Shape } from '../shape.js';

/** A seeded generator of 32-bit floats in [0, 1) (mulberry32: small, fast, reproducible). */
export type Rng = () => number;

/** mulberry32 (Tommy Ettinger): a 32-bit state PRNG, good enough for test inputs. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** float32-exact uniform values in [low, high) for `shape` (exact, so both backends see the same input). */
export function randomFloats(rng: Rng, shape: Shape | number, low = -1, high = 1): Float32Array {
  const n = typeof shape === 'number' ? shape : sizeOf(shape);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = low + (high - low) * rng();
  return out;
}

/** Integers in [low, high] (inclusive). */
export function randomInts(rng: Rng, shape: Shape | number, low: number, high: number): Int32Array {
  const n = typeof shape === 'number' ? shape : sizeOf(shape);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = low + Math.floor((high - low + 1) * rng());
  return out;
}

/** Small integers stored as float32 (so sums and products are exact and ties are likely). */
export function randomSmallIntFloats(rng: Rng, shape: Shape | number, low: number, high: number): Float32Array {
  return Float32Array.from(randomInts(rng, shape, low, high));
}

/** The edge values every float32 elementwise op is tried on. */
export const EDGE_VALUES: readonly number[] = Object.freeze([
  0,
  -0,
  1e-8,
  -1e-8,
  1,
  -1,
  0.5,
  20,
  -20,
  100,
  -100,
  1e30,
  -1e30,
  NaN,
  Infinity,
  -Infinity,
]);

/** `EDGE_VALUES` as float32 (1e-8 and 1e30 round). */
export function edgeFloats(): Float32Array {
  return Float32Array.from(EDGE_VALUES);
}

/** A random shape of `rank` with sizes in [minSize, maxSize]. */
export function randomShape(rng: Rng, rank: number, minSize = 1, maxSize = 5): number[] {
  return Array.from({ length: rank }, () => minSize + Math.floor((maxSize - minSize + 1) * rng()));
}
