/**
 * The adding problem (Hochreiter & Schmidhuber 1997, in the variant of Le, Jaitly &
 * Hinton 2015): a sequence of T steps with two channels, a value drawn uniformly from
 * [0, 1) and a marker that is 1 at exactly two steps (one in each half) and 0 elsewhere.
 * The target is the sum of the two marked values. Predicting the mean, 1, every time
 * scores MSE = Var(u1 + u2) = 2/12 ≈ 0.167; doing better means carrying a value across
 * up to T steps.
 */
import { Rng } from '../shared/random.js';

/** MSE of always predicting 1 (the mean target): Var(u₁ + u₂) = 1/6. */
export const TRIVIAL_MSE = 1 / 6;

export interface AddingBatch {
  /** [T, B, 2], time-major: x[(t * B + b) * 2] is the value, x[(t * B + b) * 2 + 1] the marker. */
  x: Float32Array;
  /** [B]: the sum of the two marked values of each sequence. */
  y: Float32Array;
  /** The two marked steps of each sequence (first half, second half). */
  markers: [number, number][];
  T: number;
  B: number;
}

/**
 * A batch of `batch` adding-problem sequences of length `length`, from `rng`.
 *
 * @example
 * ```ts
 * const { x, y } = addingBatch(100, 32, new Rng(1)); // x [100, 32, 2], y [32]
 * ```
 */
export function addingBatch(length: number, batch: number, rng: Rng): AddingBatch {
  if (!Number.isInteger(length) || length < 2) throw new RangeError(`length must be an integer >= 2, got ${length}`);
  const T = length;
  const B = batch;
  const x = new Float32Array(T * B * 2);
  const y = new Float32Array(B);
  const markers: [number, number][] = [];
  const half = Math.floor(T / 2);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) x[(t * B + b) * 2] = rng.next();
    const first = rng.int(half);
    const second = half + rng.int(T - half);
    x[(first * B + b) * 2 + 1] = 1;
    x[(second * B + b) * 2 + 1] = 1;
    // The target is computed from the float32 values the model sees.
    y[b] = x[(first * B + b) * 2]! + x[(second * B + b) * 2]!;
    markers.push([first, second]);
  }
  return { x, y, markers, T, B };
}
