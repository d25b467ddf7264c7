/**
 * Row-wise log-softmax over rows of `C` values: y = (x - m) - log Σ exp(x - m), m the row's
 * max (NaN if the row holds a NaN), the sum in float64. The formula of the reference
 * composition, so edge cases agree: -Inf entries give -Inf, a row of -Inf gives NaN.
 */
export function logSoftmax(x: Float32Array, N: number, C: number, out: Float32Array): void {
  for (let r = 0; r < N; r++) {
    const o = r * C;
    let m = -Infinity;
    let nan = false;
    for (let c = 0; c < C; c++) {
      const v = x[o + c]!;
      if (v > m) m = v;
      else if (v !== v) nan = true;
    }
    if (nan) m = NaN;
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[o + c]! - m);
    const l = Math.fround(Math.log(s));
    for (let c = 0; c < C; c++) out[o + c] = Math.fround(x[o + c]! - m) - l;
  }
}
