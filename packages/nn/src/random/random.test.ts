import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clearTape, randomBernoulli, seedToKey, tensor, threefry2x32 } from '@cellstate/tensor';
import { Dropout } from '../layers/dropout.js';
import { deriveSeed } from '../seed.js';
import { useReferenceBackend } from '../test-setup.js';
import { dropout } from './dropout.js';
import { permutation } from './permutation.js';
import { SeedStream } from './seed-stream.js';

/** Draw i of `SeedStream(seed).uniform()`, straight from Threefry-2x32. */
function referenceUniform(seed: number, i: number): number {
  const [k0, k1] = seedToKey(seed);
  const out = new Uint32Array(2);
  threefry2x32(k0, k1, i, 0x51ed27, out);
  return out[0]! / 4294967296;
}

describe('SeedStream', () => {
  it('next() is deriveSeed(seed, n) and uniform() Threefry of (n, 0x51ed27): one counter for both', () => {
    const s = new SeedStream(42);
    expect(s.next()).toBe(deriveSeed(42, 0));
    expect(s.uniform()).toBe(referenceUniform(42, 1));
    expect(s.next()).toBe(deriveSeed(42, 2));
    expect(s.count).toBe(3);
    const u = new SeedStream(9);
    const values = Array.from({ length: 1000 }, () => u.uniform());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Math.abs(values.reduce((a, b) => a + b, 0) / 1000 - 0.5)).toBeLessThan(0.03);
    expect(() => new SeedStream(-1)).toThrow(/non-negative safe integer/);
  });
});

describe('permutation', () => {
  it('is the Fisher-Yates shuffle driven by the stream, the same on every run', () => {
    const n = 50;
    const expected = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1, draw = 0; i > 0; i--, draw++) {
      const j = Math.floor(referenceUniform(123, draw) * (i + 1));
      [expected[i], expected[j]] = [expected[j]!, expected[i]!];
    }
    const order = Array.from(permutation(n, 123));
    expect(order).toEqual(expected);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    // Written out once, so a change of generator shows here (training runs resume on it).
    expect(Array.from(permutation(10, 7))).toEqual(PERMUTATION_10_SEED_7);
    expect(Array.from(permutation(0, 1))).toEqual([]);
    expect(Array.from(permutation(1, 1))).toEqual([0]);
  });
});

describe('dropout', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });
  afterEach(() => clearTape());

  it('keeps the elements randomBernoulli(1 - p, seed) keeps, scaled by 1 / (1 - p)', () => {
    const x = tensor(Array.from({ length: 400 }, (_, i) => (i % 9) - 4), [20, 20]);
    const y = dropout(x, 0.25, 11).dataSync();
    const keep = randomBernoulli([20, 20], 0.75, { seed: 11 }).dataSync();
    const xs = x.dataSync();
    for (let i = 0; i < xs.length; i++) expect(y[i]).toBeCloseTo(keep[i] ? xs[i]! / 0.75 : 0, 6);
    expect(Array.from(keep).some((k) => k === 0)).toBe(true);
  });

  it('null seed or p = 0 returns x itself; p = 1 zeros; a stream draws only when a mask is drawn', () => {
    const x = tensor([1, -2, 3, 4]);
    expect(dropout(x, 0.5, null)).toBe(x);
    const stream = new SeedStream(5);
    expect(dropout(x, 0, stream)).toBe(x);
    expect(stream.count).toBe(0);
    expect(Array.from(dropout(x, 1, 3).dataSync()).map(Math.abs)).toEqual([0, 0, 0, 0]);
    const fromStream = Array.from(dropout(x, 0.5, stream).dataSync());
    expect(stream.count).toBe(1);
    expect(fromStream).toEqual(Array.from(dropout(x, 0.5, deriveSeed(5, 0)).dataSync()));
  });

  it('the Dropout layer is dropout(x, p, deriveSeed(seed, call))', () => {
    const x = tensor(Array.from({ length: 64 }, (_, i) => i / 8), [8, 8]);
    const layer = new Dropout(0.4, { seed: 21 });
    for (let call = 0; call < 3; call++) {
      expect(Array.from(layer.forward(x).dataSync())).toEqual(Array.from(dropout(x, 0.4, deriveSeed(21, call)).dataSync()));
    }
  });
});

const PERMUTATION_10_SEED_7 = [9, 5, 0, 7, 1, 6, 8, 4, 3, 2];
