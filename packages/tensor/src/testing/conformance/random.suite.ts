import { describe, expect } from 'vitest';
import { uniformAt } from '../../random-bits.js';
import { sizeOf, type Shape } from '../../shape.js';
import { fmt, type ConformanceContext } from './context.js';

const SEEDS = [0, 1, 42, 0xffffffff, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER] as const;
const SHAPES: readonly Shape[] = [[], [0], [1], [7], [3, 5, 2], [1037]];

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function expectBitIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  const i = firstDifference(actual, expected);
  expect(i, `${label}: first difference at flat index ${i}: ${actual[i]} vs ${expected[i]} (lengths ${actual.length} / ${expected.length})`).toBe(-1);
}

/** Counter-based random: the same numbers as the reference (and `uniformAt`) for the same (shape, seed). */
export function randomSuite(ctx: ConformanceContext): void {
  describe('random', () => {
    ctx.test('randomUniform is bit-identical to the reference and to uniformAt for each seed and shape', async (scope) => {
      for (const seed of SEEDS) {
        for (const shape of SHAPES) {
          const out = scope.create((b) => b.randomUniform(shape, seed));
          const label = `randomUniform ${fmt(shape)} seed ${seed}`;
          expect(out.actual.dtype, label).toBe('float32');
          expect([...out.actual.shape], label).toEqual([...shape]);
          const values = await scope.read(out.actual);
          expectBitIdentical(values, scope.expectedValues(out), `${label} vs reference`);
          const direct = Float32Array.from({ length: sizeOf(shape) }, (_, i) => uniformAt(seed, i));
          expectBitIdentical(values, direct, `${label} vs uniformAt`);
          scope.releasePair(out);
        }
      }
    });

    ctx.test('randomUniform lies in [0, 1) with mean ≈ 0.5 and variance ≈ 1/12', async (scope) => {
      const n = 20000;
      const out = scope.create((b) => b.randomUniform([n], 12345));
      const values = await scope.read(out.actual);
      let sum = 0;
      let sumSq = 0;
      const outside: number[] = [];
      for (const v of values) {
        if (!(v >= 0 && v < 1)) outside.push(v);
        sum += v;
        sumSq += v * v;
      }
      expect(outside, 'values outside [0, 1)').toEqual([]);
      const mean = sum / n;
      const variance = sumSq / n - mean * mean;
      // Standard error of the mean: sqrt(1/12 / n) ≈ 0.002.
      expect(Math.abs(mean - 0.5), `mean ${mean}`).toBeLessThan(0.015);
      expect(Math.abs(variance - 1 / 12), `variance ${variance}`).toBeLessThan(0.01);
    });

    ctx.test('randomUniform: different seeds give different streams; the same seed repeats', async (scope) => {
      const a = scope.create((b) => b.randomUniform([64], 7));
      const b = scope.create((be) => be.randomUniform([64], 8));
      const c = scope.create((be) => be.randomUniform([64], 7));
      const [va, vb, vc] = await scope.backend.readMany([a.actual, b.actual, c.actual]);
      expect(firstDifference(va!, vb!), 'seeds 7 and 8 differ').not.toBe(-1);
      expectBitIdentical(va!, vc!, 'seed 7 twice');
    });

    ctx.test('randomUniform: element i does not depend on the shape (counter = flat index)', async (scope) => {
      const a = scope.create((b) => b.randomUniform([6, 5], 99));
      const b = scope.create((be) => be.randomUniform([30], 99));
      const [va, vb] = await scope.backend.readMany([a.actual, b.actual]);
      expectBitIdentical(va!, vb!, '[6, 5] vs [30]');
    });

    ctx.test('randomBernoulli is bit-identical to the reference (u < p on the uniform stream)', async (scope) => {
      for (const p of [0.1, 0.3, 0.5, 0.9]) {
        for (const seed of SEEDS) {
          for (const shape of SHAPES) {
            const out = scope.create((b) => b.randomBernoulli(shape, p, seed));
            const label = `randomBernoulli ${fmt(shape)} p ${p} seed ${seed}`;
            expect(out.actual.dtype, label).toBe('float32');
            const values = await scope.read(out.actual);
            expectBitIdentical(values, scope.expectedValues(out), `${label} vs reference`);
            const direct = Float32Array.from({ length: sizeOf(shape) }, (_, i) => (uniformAt(seed, i) < p ? 1 : 0));
            expectBitIdentical(values, direct, `${label} vs uniformAt < p`);
            scope.releasePair(out);
          }
        }
      }
    });

    ctx.test('randomBernoulli: p = 0 gives all zeros, p = 1 all ones, mean ≈ p', async (scope) => {
      const n = 20000;
      const zero = scope.create((b) => b.randomBernoulli([n], 0, 5));
      const one = scope.create((b) => b.randomBernoulli([n], 1, 5));
      const third = scope.create((b) => b.randomBernoulli([n], 0.3, 5));
      const [vz, vo, vt] = (await scope.backend.readMany([zero.actual, one.actual, third.actual])).map((v) => Array.from(v));
      expect(vz!.every((v) => v === 0), 'p = 0: all zeros').toBe(true);
      expect(vo!.every((v) => v === 1), 'p = 1: all ones').toBe(true);
      expect(vt!.every((v) => v === 0 || v === 1), 'values are 0 or 1').toBe(true);
      const mean = vt!.reduce((s, v) => s + v, 0) / n;
      expect(Math.abs(mean - 0.3), `mean ${mean}`).toBeLessThan(0.015);
    });
  });
}
