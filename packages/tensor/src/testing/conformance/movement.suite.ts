import fc from 'fast-check';
import { describe } from 'vitest';
import type { DType } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import { fmt, type CaseScope, type ConformanceContext } from './context.js';
import { mulberry32, randomFloats, randomInts, type Rng } from '../random-inputs.js';

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let i = 0; i <= rest.length; i++) out.push([...rest.slice(0, i), n - 1, ...rest.slice(i)]);
  }
  return out;
}

function valuesFor(rng: Rng, shape: Shape, dtype: DType): Float32Array | Int32Array {
  return dtype === 'int32' ? randomInts(rng, sizeOf(shape), -1000, 1000) : randomFloats(rng, shape, -10, 10);
}

async function checkTranspose(scope: CaseScope, values: ArrayLike<number>, shape: Shape, dtype: DType, perm: readonly number[]): Promise<void> {
  const x = scope.upload(values, shape, dtype);
  const out = scope.run((b, h) => b.transpose(h!, perm), x);
  await scope.checkOp(out, 'transpose', `transpose ${dtype} ${fmt(shape)} perm ${fmt(perm)}`);
  scope.releasePair(out);
  scope.releasePair(x);
}

async function checkSlice(scope: CaseScope, values: ArrayLike<number>, shape: Shape, dtype: DType, begin: readonly number[], size: readonly number[]): Promise<void> {
  const x = scope.upload(values, shape, dtype);
  const out = scope.run((b, h) => b.slice(h!, begin, size), x);
  await scope.checkOp(out, 'slice', `slice ${dtype} ${fmt(shape)} begin ${fmt(begin)} size ${fmt(size)}`);
  scope.releasePair(out);
  scope.releasePair(x);
}

async function checkConcat(scope: CaseScope, rng: Rng, shapes: readonly Shape[], axis: number, dtype: DType): Promise<void> {
  const pieces = shapes.map((s) => scope.upload(valuesFor(rng, s, dtype), s, dtype));
  const out = scope.run((b, ...hs) => b.concat(hs, axis), ...pieces);
  await scope.checkOp(out, 'concat', `concat ${dtype} ${shapes.map(fmt).join(' + ')} axis ${axis}`);
  scope.releasePair(out);
  for (const p of pieces.reverse()) scope.releasePair(p);
}

async function checkPad(
  scope: CaseScope,
  values: ArrayLike<number>,
  shape: Shape,
  dtype: DType,
  paddings: readonly (readonly [number, number])[],
  value: number,
): Promise<void> {
  const x = scope.upload(values, shape, dtype);
  const out = scope.run((b, h) => b.pad(h!, paddings, value), x);
  await scope.checkOp(out, 'pad', `pad ${dtype} ${fmt(shape)} paddings ${JSON.stringify(paddings)} value ${value}`);
  scope.releasePair(out);
  scope.releasePair(x);
}

async function checkCast(scope: CaseScope, values: ArrayLike<number>, from: DType, to: DType, label: string): Promise<void> {
  const x = scope.upload(values, [values.length], from);
  const out = scope.run((b, h) => b.cast(h!, to), x);
  await scope.checkOp(out, 'cast', `cast ${from} -> ${to} ${label}`);
  scope.releasePair(out);
  scope.releasePair(x);
}

/** transpose, slice, concat, pad, cast. */
export function movementSuite(ctx: ConformanceContext): void {
  describe('movement', () => {
    ctx.test('transpose: every permutation of rank 0-4, float32 and int32', async (scope) => {
      const rng = mulberry32(500);
      const full = [2, 3, 4, 5];
      for (let rank = 0; rank <= 4; rank++) {
        const shape = full.slice(0, rank);
        for (const dtype of ['float32', 'int32'] as const) {
          const values = valuesFor(rng, shape, dtype);
          for (const perm of permutations(rank)) await checkTranspose(scope, values, shape, dtype, perm);
        }
      }
    });

    ctx.test('transpose: size-1 and empty dimensions, larger tiles', async (scope) => {
      const rng = mulberry32(501);
      const cases: [Shape, number[]][] = [
        [[1, 5], [1, 0]],
        [[5, 1, 3], [2, 0, 1]],
        [[0, 3], [1, 0]],
        [[2, 0, 3], [2, 1, 0]],
        [[33, 65], [1, 0]],
        [[17, 31, 3], [1, 2, 0]],
        [[64, 64], [1, 0]],
      ];
      for (const [shape, perm] of cases) await checkTranspose(scope, valuesFor(rng, shape, 'float32'), shape, 'float32', perm);
    });

    ctx.test('slice: rank 0-4, interior, edges, full and empty ranges, int32', async (scope) => {
      const rng = mulberry32(510);
      const cases: [Shape, number[], number[]][] = [
        [[], [], []],
        [[7], [0], [7]],
        [[7], [2], [3]],
        [[7], [6], [1]],
        [[7], [3], [0]],
        [[7], [7], [0]],
        [[4, 5], [1, 2], [2, 3]],
        [[4, 5], [0, 0], [4, 1]],
        [[4, 5], [3, 0], [1, 5]],
        [[4, 5], [2, 1], [0, 3]],
        [[3, 4, 5], [1, 0, 2], [2, 4, 3]],
        [[3, 4, 5], [0, 3, 4], [3, 1, 1]],
        [[2, 3, 4, 5], [1, 1, 1, 1], [1, 2, 3, 4]],
        [[0, 4], [0, 1], [0, 2]],
        [[40, 70], [3, 5], [33, 61]],
      ];
      for (const dtype of ['float32', 'int32'] as const) {
        for (const [shape, begin, size] of cases) await checkSlice(scope, valuesFor(rng, shape, dtype), shape, dtype, begin, size);
      }
    });

    ctx.test('property: slice index math matches the reference on random shapes', async (scope) => {
      const arb = fc
        .array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 })
        .chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc.tuple(...shape.map((d) => fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))))),
            fc.constantFrom<DType>('float32', 'int32'),
            fc.integer(),
          ),
        );
      await fc.assert(
        fc.asyncProperty(arb, async ([shape, ranges, dtype, seed]) => {
          const begin = ranges.map((r) => r[0]);
          const size = ranges.map((r) => r[1]);
          await checkSlice(scope, valuesFor(mulberry32(seed), shape, dtype), shape, dtype, begin, size);
        }),
        { numRuns: 150, seed: 20240602 },
      );
    });

    ctx.test('concat: on each axis of rank 1-3, with empty pieces, int32', async (scope) => {
      const rng = mulberry32(520);
      for (const dtype of ['float32', 'int32'] as const) {
        await checkConcat(scope, rng, [[3]], 0, dtype); // one piece
        await checkConcat(scope, rng, [[3], [0], [5], [1]], 0, dtype);
        await checkConcat(scope, rng, [[0], [0]], 0, dtype);
        for (let axis = 0; axis < 3; axis++) {
          const sizes = [2, 0, 3, 1];
          const shapes = sizes.map((s) => {
            const shape = [2, 3, 4];
            shape[axis] = s;
            return shape;
          });
          await checkConcat(scope, rng, shapes, axis, dtype);
        }
        await checkConcat(scope, rng, [[2, 3], [2, 5]], 1, dtype);
        await checkConcat(scope, rng, [[0, 3], [0, 5]], 1, dtype); // empty along another axis
        await checkConcat(scope, rng, [[1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1]], 0, dtype); // many pieces
        await checkConcat(scope, rng, [[17, 33], [17, 1], [17, 64]], 1, dtype);
      }
    });

    ctx.test('pad: zero and non-zero widths, values 0, -1.5, NaN, Inf; empty inputs; int32', async (scope) => {
      const rng = mulberry32(530);
      const cases: [Shape, [number, number][]][] = [
        [[], []],
        [[5], [[0, 0]]],
        [[5], [[2, 3]]],
        [[3, 4], [[1, 0], [0, 2]]],
        [[3, 4], [[2, 2], [3, 1]]],
        [[2, 3, 4], [[0, 1], [1, 0], [2, 2]]],
        [[0, 2], [[1, 1], [0, 0]]],
        [[2, 0], [[0, 0], [1, 2]]],
        [[0], [[0, 0]]],
      ];
      for (const [shape, paddings] of cases) {
        for (const value of [0, -1.5, NaN, Infinity]) await checkPad(scope, valuesFor(rng, shape, 'float32'), shape, 'float32', paddings, value);
        for (const value of [0, -3, 7]) await checkPad(scope, valuesFor(rng, shape, 'int32'), shape, 'int32', paddings, value);
      }
    });

    ctx.test('cast float32 -> int32: truncates toward zero, NaN -> 0, clamps to the int32 range', async (scope) => {
      const values = Float32Array.from([
        0, -0, 1, -1, 1.5, -1.5, 2.7, -2.7, 0.999, -0.999, 1e-8, 123456.7, -98765.4,
        1e10, -1e10, 2147483520, -2147483520, 2147483648, -2147483648, 3e38, -3e38, NaN, Infinity, -Infinity,
      ]);
      await checkCast(scope, values, 'float32', 'int32', 'edges');
      await checkCast(scope, randomFloats(mulberry32(540), 1037, -1e6, 1e6), 'float32', 'int32', 'random');
    });

    ctx.test('cast int32 -> float32: exact below 2^24, rounds to nearest above', async (scope) => {
      const values = [0, 1, -1, 2147483647, -2147483648, 16777216, 16777217, -16777217, 123456789, -987654321, 33554435];
      await checkCast(scope, values, 'int32', 'float32', 'edges');
      await checkCast(scope, randomInts(mulberry32(541), 1037, -1e6, 1e6), 'int32', 'float32', 'random');
    });

    ctx.test('cast to the same dtype copies; cast of empty tensors', async (scope) => {
      await checkCast(scope, Float32Array.from([1.5, NaN, -Infinity]), 'float32', 'float32', 'identity');
      await checkCast(scope, [7, -8, 2147483647], 'int32', 'int32', 'identity');
      await checkCast(scope, [], 'float32', 'int32', 'empty');
      await checkCast(scope, [], 'int32', 'float32', 'empty');
    });
  });
}
