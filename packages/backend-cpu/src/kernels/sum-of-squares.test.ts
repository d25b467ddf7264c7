import { describe, expect, it } from 'vitest';
import { sumOfSquares } from './sum-of-squares.js';

describe('sumOfSquares kernel', () => {
  it('matches a naive float64 sum for every length around the unrolled loop', () => {
    for (let n = 0; n <= 11; n++) {
      const x = Float32Array.from({ length: n + 3 }, (_, i) => Math.sin(i * 1.7) * 3);
      let want = 0;
      for (let i = 0; i < n; i++) want += x[i]! * x[i]!;
      expect(sumOfSquares(x, n)).toBeCloseTo(want, 12);
    }
  });

  it('keeps float64 precision where a float32 running sum would stall', () => {
    // 2^25 ones: a float32 accumulator stops at 2^24; float64 is exact.
    const x = new Float32Array(2 ** 25).fill(1);
    expect(sumOfSquares(x, x.length)).toBe(2 ** 25);
  });

  it('propagates NaN and Inf', () => {
    expect(sumOfSquares(Float32Array.of(1, NaN, 2, 3, 4), 5)).toBeNaN();
    expect(sumOfSquares(Float32Array.of(1, 2, 3, 4, -Infinity), 5)).toBe(Infinity);
  });
});
