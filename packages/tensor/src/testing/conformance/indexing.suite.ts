import fc from 'fast-check';
import { describe } from 'vitest';
import type { DType } from '../../dtype.js';
import { gatherShape, sizeOf, type Shape } from '../../shape.js';
import { fmt, type CaseScope, type ConformanceContext } from './context.js';
import { mulberry32, randomFloats, randomInts, type Rng } from '../random-inputs.js';

function valuesFor(rng: Rng, shape: Shape, dtype: DType): Float32Array | Int32Array {
  return dtype === 'int32' ? randomInts(rng, sizeOf(shape), -1000, 1000) : randomFloats(rng, shape, -10, 10);
}

async function checkGather(
  scope: CaseScope,
  x: { values: ArrayLike<number>; shape: Shape; dtype: DType },
  indices: { values: ArrayLike<number>; shape: Shape },
  axis: number,
  label: string,
): Promise<void> {
  const px = scope.upload(x.values, x.shape, x.dtype);
  const pi = scope.upload(indices.values, indices.shape, 'int32');
  const out = scope.run((b, h, i) => b.gather(h!, i!, axis), px, pi);
  await scope.checkOp(out, 'gather', `gather ${x.dtype} ${fmt(x.shape)} indices ${fmt(indices.shape)} [${Array.from(indices.values).slice(0, 12).join(',')}] axis ${axis} ${label}`);
  scope.releasePair(out);
  scope.releasePair(pi);
  scope.releasePair(px);
}

async function checkScatterAdd(
  scope: CaseScope,
  x: { values: ArrayLike<number>; shape: Shape; dtype: DType },
  indices: { values: ArrayLike<number>; shape: Shape },
  updates: ArrayLike<number>,
  axis: number,
  label: string,
): Promise<void> {
  const updatesShape = gatherShape(x.shape, indices.shape, axis);
  const px = scope.upload(x.values, x.shape, x.dtype);
  const pi = scope.upload(indices.values, indices.shape, 'int32');
  const pu = scope.upload(updates, updatesShape, x.dtype);
  const out = scope.run((b, h, i, u) => b.scatterAdd(h!, i!, u!, axis), px, pi, pu);
  // Worst case every update lands on one cell.
  await scope.checkOp(
    out,
    'scatterAdd',
    `scatterAdd ${x.dtype} ${fmt(x.shape)} indices ${fmt(indices.shape)} [${Array.from(indices.values).slice(0, 12).join(',')}] axis ${axis} ${label}`,
    { terms: sizeOf(indices.shape) + 1, magnitude: 10 },
  );
  scope.releasePair(out);
  scope.releasePair(pu);
  scope.releasePair(pi);
  scope.releasePair(px);
}

/** gather and scatterAdd. */
export function indexingSuite(ctx: ConformanceContext): void {
  describe('indexing', () => {
    ctx.test('gather on axis 0, 1 and last with multi-dimensional indices, float32 and int32', async (scope) => {
      const rng = mulberry32(600);
      for (const dtype of ['float32', 'int32'] as const) {
        // axis 0 (an embedding lookup): [5, 3] at [2, 4] -> [2, 4, 3]
        await checkGather(scope, { values: valuesFor(rng, [5, 3], dtype), shape: [5, 3], dtype }, { values: [0, 4, 1, 1, 3, 2, 0, 4], shape: [2, 4] }, 0, 'axis 0');
        // axis 1: [2, 6, 3] at [3] -> [2, 3, 3]
        await checkGather(scope, { values: valuesFor(rng, [2, 6, 3], dtype), shape: [2, 6, 3], dtype }, { values: [5, 0, 5], shape: [3] }, 1, 'axis 1');
        // axis 1 with 2-D indices: [2, 6, 3] at [2, 2] -> [2, 2, 2, 3]
        await checkGather(scope, { values: valuesFor(rng, [2, 6, 3], dtype), shape: [2, 6, 3], dtype }, { values: [1, 2, 3, 4], shape: [2, 2] }, 1, 'axis 1, 2-D indices');
        // last axis: [2, 3, 4] at [2, 2] -> [2, 3, 2, 2]
        await checkGather(scope, { values: valuesFor(rng, [2, 3, 4], dtype), shape: [2, 3, 4], dtype }, { values: [3, 0, 2, 2], shape: [2, 2] }, 2, 'last axis');
        // rank 1
        await checkGather(scope, { values: valuesFor(rng, [6], dtype), shape: [6], dtype }, { values: [5, 4, 3, 0, 0, 1], shape: [3, 2] }, 0, 'rank 1');
      }
    });

    ctx.test('gather: scalar and empty indices, empty x dimensions', async (scope) => {
      const rng = mulberry32(601);
      await checkGather(scope, { values: valuesFor(rng, [4, 3], 'float32'), shape: [4, 3], dtype: 'float32' }, { values: [2], shape: [] }, 0, 'scalar index');
      await checkGather(scope, { values: valuesFor(rng, [4, 3], 'float32'), shape: [4, 3], dtype: 'float32' }, { values: [1], shape: [] }, 1, 'scalar index, last axis');
      await checkGather(scope, { values: valuesFor(rng, [4, 3], 'float32'), shape: [4, 3], dtype: 'float32' }, { values: [], shape: [0] }, 0, 'empty indices');
      await checkGather(scope, { values: valuesFor(rng, [4, 3], 'float32'), shape: [4, 3], dtype: 'float32' }, { values: [], shape: [2, 0] }, 1, 'empty indices');
      await checkGather(scope, { values: [], shape: [4, 0], dtype: 'float32' }, { values: [0, 3], shape: [2] }, 0, 'empty inner');
      await checkGather(scope, { values: [], shape: [0, 3], dtype: 'float32' }, { values: [0, 2, 1], shape: [3] }, 1, 'empty outer');
      await checkGather(scope, { values: [], shape: [0, 3], dtype: 'float32' }, { values: [0, -1], shape: [2] }, 0, 'empty axis: every index out of range');
    });

    ctx.test('gather: an index outside [0, size) reads 0 (negative and too large)', async (scope) => {
      const rng = mulberry32(602);
      for (const dtype of ['float32', 'int32'] as const) {
        await checkGather(scope, { values: valuesFor(rng, [5, 3], dtype), shape: [5, 3], dtype }, { values: [-1, 5, 100, 2, -2147483648, 2147483647], shape: [2, 3] }, 0, 'out of range');
        await checkGather(scope, { values: valuesFor(rng, [2, 4, 3], dtype), shape: [2, 4, 3], dtype }, { values: [4, -1, 0, 3], shape: [4] }, 1, 'out of range');
        await checkGather(scope, { values: valuesFor(rng, [2, 4, 3], dtype), shape: [2, 4, 3], dtype }, { values: [3, -5, 2], shape: [3] }, 2, 'out of range');
      }
    });

    ctx.test('gather: an embedding-sized lookup', async (scope) => {
      const rng = mulberry32(603);
      const table = valuesFor(rng, [100, 16], 'float32');
      await checkGather(scope, { values: table, shape: [100, 16], dtype: 'float32' }, { values: randomInts(rng, 40, 0, 99), shape: [8, 5] }, 0, 'embedding');
    });

    ctx.test('property: gather index math matches the reference on random shapes and indices', async (scope) => {
      const arb = fc
        .record({
          shape: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }),
          indicesShape: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 2 }),
          axisSeed: fc.nat(),
          dtype: fc.constantFrom<DType>('float32', 'int32'),
          seed: fc.integer(),
        })
        .map((r) => ({ ...r, axis: r.axisSeed % r.shape.length }));
      await fc.assert(
        fc.asyncProperty(arb, async ({ shape, indicesShape, axis, dtype, seed }) => {
          const rng = mulberry32(seed);
          const size = shape[axis]!;
          // Mostly in range, some just outside on either side.
          const indices = randomInts(rng, sizeOf(indicesShape), -2, size + 1);
          await checkGather(scope, { values: valuesFor(rng, shape, dtype), shape, dtype }, { values: indices, shape: indicesShape }, axis, 'property');
        }),
        { numRuns: 150, seed: 20240603 },
      );
    });

    ctx.test('scatterAdd on axis 0, 1 and last with repeated and out-of-range indices', async (scope) => {
      const rng = mulberry32(610);
      // axis 0: rows 0 (twice) and 2 and 4 get updates; -1 and 5 are ignored.
      {
        const idx = [0, 0, 2, 4, -1, 5];
        await checkScatterAdd(scope, { values: valuesFor(rng, [5, 3], 'float32'), shape: [5, 3], dtype: 'float32' }, { values: idx, shape: [6] }, randomFloats(rng, 18, -10, 10), 0, 'axis 0');
      }
      // axis 0 with zeros as x (the embedding backward) and 2-D indices.
      {
        const idx = [1, 3, 1, 1, 0, 3];
        await checkScatterAdd(scope, { values: new Float32Array(4 * 2), shape: [4, 2], dtype: 'float32' }, { values: idx, shape: [2, 3] }, randomFloats(rng, 12, -10, 10), 0, 'zeros, 2-D indices');
      }
      // axis 1: [2, 4, 3] at [2, 3] -> updates [2, 2, 3, 3]
      {
        const idx = [3, 3, 0, -1, 4, 3];
        await checkScatterAdd(scope, { values: valuesFor(rng, [2, 4, 3], 'float32'), shape: [2, 4, 3], dtype: 'float32' }, { values: idx, shape: [2, 3] }, randomFloats(rng, 36, -10, 10), 1, 'axis 1');
      }
      // last axis: [3, 5] at [7]
      {
        const idx = [4, 0, 4, 4, 2, 9, -3];
        await checkScatterAdd(scope, { values: valuesFor(rng, [3, 5], 'float32'), shape: [3, 5], dtype: 'float32' }, { values: idx, shape: [7] }, randomFloats(rng, 21, -10, 10), 1, 'last axis');
      }
      // scalar index
      await checkScatterAdd(scope, { values: valuesFor(rng, [3, 2], 'float32'), shape: [3, 2], dtype: 'float32' }, { values: [1], shape: [] }, randomFloats(rng, 2, -10, 10), 0, 'scalar index');
      // empty indices: out = x
      await checkScatterAdd(scope, { values: valuesFor(rng, [3, 2], 'float32'), shape: [3, 2], dtype: 'float32' }, { values: [], shape: [0] }, [], 0, 'empty indices');
    });

    ctx.test('scatterAdd: many repeats onto one row, and int32', async (scope) => {
      const rng = mulberry32(611);
      const idx = new Array<number>(200).fill(2);
      await checkScatterAdd(scope, { values: new Float32Array(4 * 8), shape: [4, 8], dtype: 'float32' }, { values: idx, shape: [200] }, randomFloats(rng, 200 * 8, -10, 10), 0, '200 repeats');
      await checkScatterAdd(scope, { values: randomInts(rng, 15, -100, 100), shape: [5, 3], dtype: 'int32' }, { values: [0, 0, 4, 7, -1], shape: [5] }, randomInts(rng, 15, -100, 100), 0, 'int32');
    });

    ctx.test('property: scatterAdd index math matches the reference on random shapes and indices', async (scope) => {
      const arb = fc
        .record({
          shape: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 3 }),
          indicesShape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 2 }),
          axisSeed: fc.nat(),
          seed: fc.integer(),
        })
        .map((r) => ({ ...r, axis: r.axisSeed % r.shape.length }));
      await fc.assert(
        fc.asyncProperty(arb, async ({ shape, indicesShape, axis, seed }) => {
          const rng = mulberry32(seed);
          const indices = randomInts(rng, sizeOf(indicesShape), -1, shape[axis]!);
          const updates = randomFloats(rng, gatherShape(shape, indicesShape, axis), -10, 10);
          await checkScatterAdd(scope, { values: valuesFor(rng, shape, 'float32'), shape, dtype: 'float32' }, { values: indices, shape: indicesShape }, updates, axis, 'property');
        }),
        { numRuns: 100, seed: 20240604 },
      );
    });
  });
}
