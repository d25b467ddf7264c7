import type { Rng } from '../mulberry32.js';
import { sizeOf, type Shape } from '../shape.js';

export { mulberry32, type Rng } from '../mulberry32.js';

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
