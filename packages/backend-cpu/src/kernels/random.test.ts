import { uniformAt } from '@cellstate/tensor';
import { describe, expect, it } from 'vitest';
import { randomBernoulli, randomUniform } from './random.js';

describe('randomUniform', () => {
  it('equals uniformAt(seed, i) for every element', () => {
    for (const seed of [0, 1, 42, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      const out = new Float32Array(257);
      randomUniform(seed, out);
      for (let i = 0; i < out.length; i++) expect(out[i]).toBe(uniformAt(seed, i));
    }
  });

  it('is in [0, 1), depends on the seed, and has a plausible mean', () => {
    const a = new Float32Array(4096);
    const b = new Float32Array(4096);
    randomUniform(7, a);
    randomUniform(8, b);
    expect(a.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(a).not.toEqual(b);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
  });

  it('handles an empty output', () => {
    randomUniform(1, new Float32Array(0));
  });
});

describe('randomBernoulli', () => {
  it('is u < p on the randomUniform stream', () => {
    const u = new Float32Array(1000);
    const m = new Float32Array(1000);
    randomUniform(3, u);
    randomBernoulli(0.3, 3, m);
    for (let i = 0; i < u.length; i++) expect(m[i]).toBe(u[i]! < 0.3 ? 1 : 0);
  });

  it('gives all zeros for p = 0 and all ones for p = 1', () => {
    const m = new Float32Array(500);
    randomBernoulli(0, 9, m);
    expect(m.every((v) => v === 0)).toBe(true);
    randomBernoulli(1, 9, m);
    expect(m.every((v) => v === 1)).toBe(true);
  });
});
