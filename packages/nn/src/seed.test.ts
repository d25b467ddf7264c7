import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@cellstate/tensor';
import { deriveSeed, manualSeed, nextSeed } from './seed.js';
import { normalValues, uniform53 } from './host-random.js';

describe('seeds', () => {
  it('deriveSeed is deterministic, distinct per stream and a non-negative safe integer', () => {
    const seeds = Array.from({ length: 100 }, (_, i) => deriveSeed(7, i));
    expect(new Set(seeds).size).toBe(100);
    expect(seeds.every((s) => Number.isSafeInteger(s) && s >= 0)).toBe(true);
    expect(deriveSeed(7, 3)).toBe(seeds[3]);
    expect(deriveSeed(8, 3)).not.toBe(seeds[3]);
  });

  it('manualSeed restarts the default sequence', () => {
    manualSeed(42);
    const a = [nextSeed(), nextSeed()];
    manualSeed(42);
    expect([nextSeed(), nextSeed()]).toEqual(a);
    expect(a[0]).not.toBe(a[1]);
  });

  it('rejects bad seeds', () => {
    expect(() => manualSeed(-1)).toThrow(ArgumentError);
    expect(() => deriveSeed(1.5, 0)).toThrow(ArgumentError);
  });
});

describe('host random numbers', () => {
  it('uniform53 lies in [0, 1) with mean 1/2 and depends only on (seed, index)', () => {
    const u = Array.from({ length: 20000 }, (_, i) => uniform53(3, i));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((a, b) => a + b, 0) / u.length - 0.5)).toBeLessThan(0.01);
    expect(uniform53(3, 17)).toBe(u[17]);
  });

  it('normalValues has mean ~ mean and std ~ std, and a prefix is stable', () => {
    const n = normalValues(11, 40001, 2, 3);
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const variance = n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean - 2)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(variance) - 3)).toBeLessThan(0.05);
    // Fraction within one standard deviation ~ 68.3%.
    const within = n.filter((v) => Math.abs(v - 2) < 3).length / n.length;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.01);
    expect(Array.from(normalValues(11, 5, 2, 3))).toEqual(Array.from(n.slice(0, 5)));
  });
});
