import { describe } from 'vitest';
import type { DType } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import { fmt, type CaseScope, type ConformanceContext } from './context.js';
import { mulberry32, randomFloats, randomInts, randomSmallIntFloats } from '../random-inputs.js';

/** Every sorted, distinct subset of 0..rank-1 (including the empty one). */
function axisSubsets(rank: number): number[][] {
  const out: number[][] = [];
  for (let mask = 0; mask < 1 << rank; mask++) {
    const axes: number[] = [];
    for (let d = 0; d < rank; d++) if (mask & (1 << d)) axes.push(d);
    out.push(axes);
  }
  return out;
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
}

async function checkReduce(
  scope: CaseScope,
  op: 'sum' | 'max',
  values: ArrayLike<number>,
  shape: Shape,
  dtype: DType,
  axes: readonly number[],
  keepDims: boolean,
  label: string,
): Promise<void> {
  const x = scope.upload(values, shape, dtype);
  const out = scope.run((b, h) => b[op](h!, axes, keepDims), x);
  const terms = sizeOf(axes.map((a) => shape[a]!));
  await scope.checkOp(out, op, `${op} ${dtype} ${fmt(shape)} axes ${fmt(axes)} keepDims=${keepDims} ${label}`, {
    terms,
    magnitude: Math.max(1, maxAbs(values)),
  });
  scope.releasePair(out);
  scope.releasePair(x);
}

async function checkArgmax(scope: CaseScope, values: ArrayLike<number>, shape: Shape, dtype: DType, axis: number, keepDims: boolean, label: string): Promise<void> {
  const x = scope.upload(values, shape, dtype);
  const out = scope.run((b, h) => b.argmax(h!, axis, keepDims), x);
  await scope.checkOp(out, 'argmax', `argmax ${dtype} ${fmt(shape)} axis ${axis} keepDims=${keepDims} ${label}`);
  scope.releasePair(out);
  scope.releasePair(x);
}

/** sum, max and argmax. */
export function reduceSuite(ctx: ConformanceContext): void {
  describe('reduce', () => {
    for (const op of ['sum', 'max'] as const) {
      ctx.test(`${op} float32 over every subset of axes of [3, 4, 5], with and without keepDims`, async (scope) => {
        const rng = mulberry32(op === 'sum' ? 11 : 12);
        const shape = [3, 4, 5];
        const values = randomFloats(rng, shape, -2, 2);
        for (const axes of axisSubsets(3)) {
          for (const keepDims of [false, true]) await checkReduce(scope, op, values, shape, 'float32', axes, keepDims, 'random');
        }
      });

      ctx.test(`${op} float32 on rank 0, 1, 2 and 4`, async (scope) => {
        const rng = mulberry32(op === 'sum' ? 21 : 22);
        for (const shape of [[], [1], [9], [6, 7], [2, 3, 2, 3]] as Shape[]) {
          const values = randomFloats(rng, shape, -2, 2);
          for (const axes of axisSubsets(shape.length)) {
            for (const keepDims of [false, true]) await checkReduce(scope, op, values, shape, 'float32', axes, keepDims, 'random');
          }
        }
      });

      ctx.test(`${op} float32 with empty dimensions (empty reduction gives ${op === 'sum' ? '0' : '-Infinity'})`, async (scope) => {
        for (const shape of [[0], [0, 3], [3, 0], [2, 0, 4]] as Shape[]) {
          for (const axes of axisSubsets(shape.length)) {
            for (const keepDims of [false, true]) await checkReduce(scope, op, [], shape, 'float32', axes, keepDims, 'empty');
          }
        }
      });

      ctx.test(`${op} float32 propagates NaN and handles infinities`, async (scope) => {
        // rows: has NaN | +Inf | -Inf | +Inf and -Inf | all -Inf | NaN and Inf
        const values = Float32Array.from([1, NaN, 3, Infinity, 2, 3, -Infinity, 2, 3, Infinity, -Infinity, 0, -Infinity, -Infinity, -Infinity, NaN, Infinity, 1]);
        for (const axes of [[0], [1], [0, 1]]) {
          for (const keepDims of [false, true]) await checkReduce(scope, op, values, [6, 3], 'float32', axes, keepDims, 'NaN/Inf');
        }
      });

      ctx.test(`${op} float32 on long axes (blocked and vectorised paths)`, async (scope) => {
        const rng = mulberry32(op === 'sum' ? 31 : 32);
        for (const [shape, axes] of [
          [[1037], [0]],
          [[4099], [0]],
          [[64, 257], [1]],
          [[257, 64], [0]],
          [[33, 17, 9], [0, 2]],
        ] as [Shape, number[]][]) {
          await checkReduce(scope, op, randomFloats(rng, shape, -1, 1), shape, 'float32', axes, false, 'long');
        }
        // Positive values only: no cancellation, so the relative error shows.
        await checkReduce(scope, op, randomFloats(rng, [5000], 0, 1), [5000], 'float32', [0], false, 'long positive');
      });

      ctx.test(`${op} int32 over each axis and all axes`, async (scope) => {
        const rng = mulberry32(op === 'sum' ? 41 : 42);
        const shape = [3, 4, 5];
        const values = randomInts(rng, sizeOf(shape), -1000, 1000);
        for (const axes of axisSubsets(3)) {
          for (const keepDims of [false, true]) await checkReduce(scope, op, values, shape, 'int32', axes, keepDims, 'random');
        }
        await checkReduce(scope, op, randomInts(rng, 1037, -1000, 1000), [1037], 'int32', [0], false, 'long');
      });
    }

    ctx.test('sum int32 wraps on overflow', async (scope) => {
      await checkReduce(scope, 'sum', [2147483647, 1, 5, -3], [4], 'int32', [0], false, 'overflow');
    });

    ctx.test('sum int32 over an empty dimension gives 0', async (scope) => {
      await checkReduce(scope, 'sum', [], [0, 3], 'int32', [0], false, 'empty');
      await checkReduce(scope, 'sum', [], [3, 0], 'int32', [1], true, 'empty');
    });

    describe('argmax', () => {
      ctx.test('argmax float32 over each axis of rank 1-4, with and without keepDims', async (scope) => {
        const rng = mulberry32(51);
        for (const shape of [[1], [9], [6, 7], [3, 4, 5], [2, 3, 2, 3]] as Shape[]) {
          const values = randomFloats(rng, shape, -2, 2);
          for (let axis = 0; axis < shape.length; axis++) {
            for (const keepDims of [false, true]) await checkArgmax(scope, values, shape, 'float32', axis, keepDims, 'random');
          }
        }
      });

      ctx.test('argmax picks the first of tied maxima', async (scope) => {
        const rng = mulberry32(52);
        const shape = [7, 8, 6];
        const values = randomSmallIntFloats(rng, shape, 0, 2); // many ties
        for (let axis = 0; axis < 3; axis++) await checkArgmax(scope, values, shape, 'float32', axis, false, 'ties');
        await checkArgmax(scope, [5, 5, 5, 5], [4], 'float32', 0, false, 'all equal');
        await checkArgmax(scope, [-0, 0, 0], [3], 'float32', 0, false, '-0 ties 0');
      });

      ctx.test('argmax: a NaN counts as the maximum (the first NaN wins); -Inf rows give 0', async (scope) => {
        const values = Float32Array.from([1, NaN, 3, NaN, -Infinity, -Infinity, -Infinity, -Infinity, 2, Infinity, NaN, 0, NaN, 1, 2, 3]);
        await checkArgmax(scope, values, [4, 4], 'float32', 1, false, 'NaN/Inf rows');
        await checkArgmax(scope, values, [4, 4], 'float32', 0, true, 'NaN/Inf columns');
      });

      ctx.test('argmax int32, empty outer dimensions and long axes', async (scope) => {
        const rng = mulberry32(53);
        await checkArgmax(scope, randomInts(rng, 60, -5, 5), [3, 4, 5], 'int32', 1, false, 'int32 ties');
        await checkArgmax(scope, randomInts(rng, 60, -5, 5), [3, 4, 5], 'int32', 2, true, 'int32 ties');
        await checkArgmax(scope, [], [0, 5], 'float32', 1, false, 'empty outer');
        await checkArgmax(scope, [], [3, 0, 5], 'float32', 2, true, 'empty middle');
        await checkArgmax(scope, randomFloats(rng, 4099, -1, 1), [4099], 'float32', 0, false, 'long');
        await checkArgmax(scope, randomFloats(rng, 16 * 513, -1, 1), [16, 513], 'float32', 1, false, 'long rows');
      });
    });
  });
}
