import { describe } from 'vitest';
import type { Shape } from '../../shape.js';
import { fmt, type CaseScope, type ConformanceContext } from './context.js';
import { mulberry32, randomFloats, type Rng } from '../random-inputs.js';

interface MatmulCase {
  /** Batch dimensions of a and b (they broadcast). */
  batchA?: Shape;
  batchB?: Shape;
  m: number;
  k: number;
  n: number;
}

const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

/**
 * Runs one matmul with the operands stored as the flags say: a is [..., M, K] or, with
 * transposeA, [..., K, M]; b is [..., K, N] or [..., N, K].
 */
async function checkMatmul(
  scope: CaseScope,
  rng: Rng,
  c: MatmulCase,
  transposeA: boolean,
  transposeB: boolean,
  range: { low: number; high: number } = { low: -1, high: 1 },
  label = 'random',
): Promise<void> {
  const shapeA = [...(c.batchA ?? []), ...(transposeA ? [c.k, c.m] : [c.m, c.k])];
  const shapeB = [...(c.batchB ?? []), ...(transposeB ? [c.n, c.k] : [c.k, c.n])];
  const a = scope.upload(randomFloats(rng, shapeA, range.low, range.high), shapeA, 'float32');
  const b = scope.upload(randomFloats(rng, shapeB, range.low, range.high), shapeB, 'float32');
  const out = scope.run((backend, x, y) => backend.matmul(x!, y!, transposeA, transposeB), a, b);
  const magnitude = Math.max(1, Math.abs(range.low), Math.abs(range.high));
  await scope.checkOp(out, 'matmul', `matmul ${fmt(shapeA)} x ${fmt(shapeB)} transposeA=${transposeA} transposeB=${transposeB} ${label}`, {
    terms: c.k,
    magnitude,
  });
  scope.releasePair(out);
  scope.releasePair(b);
  scope.releasePair(a);
}

const PLAIN: readonly MatmulCase[] = [
  { m: 1, k: 1, n: 1 },
  { m: 2, k: 3, n: 4 },
  { m: 7, k: 13, n: 5 },
  { m: 1, k: 8, n: 1 },
  { m: 1, k: 17, n: 9 }, // a row vector
  { m: 9, k: 17, n: 1 }, // a column result
  { m: 16, k: 16, n: 16 },
  { m: 33, k: 65, n: 17 },
  { m: 64, k: 128, n: 48 },
  { m: 4, k: 0, n: 3 }, // K = 0: zeros
  { m: 0, k: 3, n: 4 }, // empty results
  { m: 3, k: 4, n: 0 },
];

const BATCHED: readonly MatmulCase[] = [
  { batchA: [2], batchB: [2], m: 3, k: 4, n: 5 },
  { batchA: [2, 1], batchB: [5], m: 3, k: 4, n: 2 }, // [2,1] x [5] -> [2,5]
  { batchA: [], batchB: [3], m: 4, k: 6, n: 2 }, // rank-2 a against a batch of b
  { batchA: [3], batchB: [], m: 4, k: 6, n: 2 },
  { batchA: [1, 3], batchB: [2, 1], m: 2, k: 5, n: 3 },
  { batchA: [2, 3, 1], batchB: [1, 4], m: 3, k: 7, n: 5 },
  { batchA: [0], batchB: [1], m: 2, k: 3, n: 4 }, // empty batch
  { batchA: [4], batchB: [4], m: 1, k: 0, n: 2 }, // K = 0 batched
];

/** Batched matmul with transpose flags and broadcast batch dimensions. */
export function matmulSuite(ctx: ConformanceContext): void {
  describe('matmul', () => {
    for (const [ta, tb] of TRANSPOSES) {
      ctx.test(`matmul transposeA=${ta} transposeB=${tb}: 1x1, odd sizes, K=0, empty`, async (scope) => {
        const rng = mulberry32(100 + (ta ? 2 : 0) + (tb ? 1 : 0));
        for (const c of PLAIN) await checkMatmul(scope, rng, c, ta, tb);
      });

      ctx.test(`matmul transposeA=${ta} transposeB=${tb}: batched with broadcast batch dimensions`, async (scope) => {
        const rng = mulberry32(200 + (ta ? 2 : 0) + (tb ? 1 : 0));
        for (const c of BATCHED) await checkMatmul(scope, rng, c, ta, tb);
      });
    }

    ctx.test('matmul with large values (1e3..1e4 and ±1e4)', async (scope) => {
      const rng = mulberry32(300);
      for (const [ta, tb] of TRANSPOSES) {
        await checkMatmul(scope, rng, { m: 7, k: 13, n: 5 }, ta, tb, { low: 1e3, high: 1e4 }, 'large positive');
        await checkMatmul(scope, rng, { m: 6, k: 31, n: 4 }, ta, tb, { low: -1e4, high: 1e4 }, 'large mixed');
      }
    });

    ctx.test('matmul propagates NaN and Inf', async (scope) => {
      // a = [[1, NaN], [2, 3], [Inf, 1]], b = [[1, 0], [0, 1]]: row 0 is NaN; Inf*0 gives NaN in row 2, col 1.
      const a = scope.upload(Float32Array.from([1, NaN, 2, 3, Infinity, 1]), [3, 2], 'float32');
      const b = scope.upload(Float32Array.from([1, 0, 0, 1]), [2, 2], 'float32');
      const out = scope.run((backend, x, y) => backend.matmul(x!, y!, false, false), a, b);
      await scope.checkOp(out, 'matmul', 'matmul NaN/Inf', { terms: 2 });
    });

    ctx.test('matmul of a large batch of small matrices', async (scope) => {
      const rng = mulberry32(400);
      const c: MatmulCase = { batchA: [37], batchB: [37], m: 3, k: 5, n: 2 };
      for (const [ta, tb] of TRANSPOSES) await checkMatmul(scope, rng, c, ta, tb);
    });
  });
}
