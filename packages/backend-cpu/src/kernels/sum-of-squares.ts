/**
 * Σ x² over the first `n` values of `x`, accumulated in float64 (four partial sums, so
 * the loop is not one long chain of dependent adds): the squared norm of a gradient
 * without an x² buffer. NaN and ±Inf propagate.
 */
export function sumOfSquares(x: Float32Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = x[i]!;
    const b = x[i + 1]!;
    const c = x[i + 2]!;
    const d = x[i + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; i < n; i++) s0 += x[i]! * x[i]!;
  return s0 + s1 + (s2 + s3);
}
