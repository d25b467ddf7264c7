import { describe, expect, it } from 'vitest';
import { bitsToUniform, threefry2x32, uniformAt } from './random-bits.js';

describe('threefry2x32', () => {
  // Known-answer vectors from Random123's kat_vectors (threefry2x32_20).
  it('matches the published known-answer vectors', () => {
    const out = new Uint32Array(2);
    threefry2x32(0, 0, 0, 0, out);
    expect([out[0], out[1]]).toEqual([0x6b200159, 0x99ba4efe]);
    threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out);
    expect([out[0], out[1]]).toEqual([0x1cb996fc, 0xbb002be7]);
    threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3, out);
    expect([out[0], out[1]]).toEqual([0xc4923a9c, 0x483df7a0]);
  });

  it('gives uniform numbers in [0, 1) with the right mean', () => {
    let sum = 0;
    let min = 1;
    let max = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = uniformAt(42, i);
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
    expect(bitsToUniform(0xffffffff)).toBeLessThan(1);
    expect(Math.fround(bitsToUniform(0xffffffff))).toBe(bitsToUniform(0xffffffff));
  });

  it('depends on the seed', () => {
    expect(uniformAt(1, 0)).not.toBe(uniformAt(2, 0));
    expect(uniformAt(2 ** 33, 0)).not.toBe(uniformAt(0, 0));
  });
});
