import { SeedStream } from './seed-stream.js';

/**
 * A seeded shuffle of 0..n-1 (Fisher-Yates from the top, swap partner of position i
 * = floor(u · (i + 1)) with u the next `SeedStream.uniform()`): the same (n, seed),
 * the same order, on every platform.
 *
 * @example
 * ```ts
 * const order = permutation(dataset.length, deriveSeed(runSeed, epoch));
 * ```
 */
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

