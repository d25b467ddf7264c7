import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { BINARY_OPS, COMPARE_OPS, UNARY_OPS, type BinaryOpName, type CompareOpName, type UnaryOpName } from '../../backend/primitive-ops.js';
import type { DType } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import { fmt, type CaseScope, type ConformanceContext } from './context.js';
import { edgeFloats, mulberry32, randomFloats, randomInts, randomSmallIntFloats, type Rng } from '../random-inputs.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT_UNARY: readonly UnaryOpName[] = ['neg', 'abs', 'relu'];
const INT_BINARY: readonly BinaryOpName[] = ['add', 'sub', 'mul', 'maximum'];
type TwoInputOp = BinaryOpName | CompareOpName;
const TWO_INPUT_OPS: readonly TwoInputOp[] = [...BINARY_OPS, ...COMPARE_OPS];

/** Inputs each unary op is tried on at random: its natural domain. */
function unaryInput(op: UnaryOpName, rng: Rng, n: number): Float32Array {
  switch (op) {
    case 'log':
    case 'sqrt':
      return randomFloats(rng, n, 1e-3, 10);
    case 'exp':
      return randomFloats(rng, n, -10, 10);
    default:
      return randomFloats(rng, n, -6, 6);
  }
}

async function checkUnary(scope: CaseScope, op: UnaryOpName, values: ArrayLike<number>, shape: Shape, dtype: DType, label: string): Promise<void> {
  const x = scope.upload(values, shape, dtype);
  const out = scope.run((b, h) => b[op](h!), x);
  await scope.checkOp(out, op, `${op} ${dtype} ${fmt(shape)} ${label}`);
}

async function checkTwoInput(
  scope: CaseScope,
  op: TwoInputOp,
  a: { values: ArrayLike<number>; shape: Shape },
  b: { values: ArrayLike<number>; shape: Shape },
  dtype: DType,
  label: string,
): Promise<void> {
  const pa = scope.upload(a.values, a.shape, dtype);
  const pb = scope.upload(b.values, b.shape, dtype);
  const out = scope.run((backend, x, y) => backend[op](x!, y!), pa, pb);
  await scope.checkOp(out, op, `${op} ${dtype} ${fmt(a.shape)} x ${fmt(b.shape)} ${label}`);
  scope.releasePair(out);
  scope.releasePair(pb);
  scope.releasePair(pa);
}

function floatsFor(rng: Rng, shape: Shape, op: TwoInputOp): Float32Array {
  // Small integers make `equal` and ties of `greater`/`maximum` likely; div needs no zeros here.
  if (op === 'equal' || op === 'greater' || op === 'maximum') return randomSmallIntFloats(rng, shape, -3, 3);
  if (op === 'div') {
    const v = randomFloats(rng, shape, 0.5, 4);
    for (let i = 0; i < v.length; i++) if (rng() < 0.5) v[i] = -v[i]!;
    return v;
  }
  return randomFloats(rng, shape, -4, 4);
}

/** Broadcast shape pairs (a, b) every binary and compare op is tried on. */
const SHAPE_PAIRS: readonly (readonly [Shape, Shape])[] = [
  [[5, 7], [5, 7]], // equal shapes
  [[], []], // scalars
  [[5, 7], []], // scalar operand on the right
  [[], [5, 7]], // and on the left
  [[3, 1], [1, 4]],
  [[2, 3, 4], [4]],
  [[4], [2, 3, 4]],
  [[2, 1, 4], [3, 1]],
  [[1], [1]],
  [[1, 1], [5]],
  [[6, 1, 1, 3], [1, 5, 2, 1]],
  [[0], [0]], // empty
  [[0, 3], [3]],
  [[2, 0], [1]],
  [[0], []],
  [[3, 0], [3, 1]],
  [[1037], [1037]], // long enough for vectorised paths, not a multiple of 4/8/16
  [[33, 65], [65]],
];

/** Shapes for the unary ops on random inputs. */
const UNARY_SHAPES: readonly Shape[] = [[], [0], [7], [4, 33], [2, 0, 3], [1037]];

/** Elementwise unary, binary, compare and where. */
export function elementwiseSuite(ctx: ConformanceContext): void {
  describe('elementwise', () => {
    describe('unary', () => unaryCases(ctx));
    describe('binary and compare', () => binaryAndCompareCases(ctx));
    describe('where', () => whereCases(ctx));
  });
}

/** Unary ops on random, edge and int32 inputs. */
function unaryCases(ctx: ConformanceContext): void {
  for (const op of UNARY_OPS) {
    ctx.test(`${op} on random inputs`, async (scope) => {
      const rng = mulberry32(0x5eed + op.length);
      for (const shape of UNARY_SHAPES) await checkUnary(scope, op, unaryInput(op, rng, sizeOf(shape)), shape, 'float32', 'random');
      // log and sqrt outside their domain give NaN; exp far out over/underflows.
      if (op === 'log' || op === 'sqrt' || op === 'exp') await checkUnary(scope, op, randomFloats(rng, 64, -100, 100), [64], 'float32', 'wide');
    });

    ctx.test(`${op} on edge values (0, ±1e-8, ±20, ±100, ±1e30, NaN, ±Inf)`, async (scope) => {
      const edges = edgeFloats();
      await checkUnary(scope, op, edges, [edges.length], 'float32', 'edges');
      // The same values in a 2-D layout.
      await checkUnary(scope, op, edges, [4, edges.length / 4], 'float32', 'edges 2-D');
    });
  }

  ctx.test('sigmoid and tanh are finite with exact limits at ±100, ±1e30 and ±Inf', async (scope) => {
    const values = Float32Array.from([100, -100, 1e30, -1e30, Infinity, -Infinity, 50, -50]);
    const x = scope.upload(values, [values.length], 'float32');
    const t = scope.run((b, h) => b.tanh(h!), x);
    const s = scope.run((b, h) => b.sigmoid(h!), x);
    const tv = Array.from(await scope.read(t.actual));
    const sv = Array.from(await scope.read(s.actual));
    expect(tv, 'tanh').toEqual([1, -1, 1, -1, 1, -1, 1, -1]);
    expect(sv.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), `sigmoid finite in [0, 1]: ${sv.join(', ')}`).toBe(true);
    expect([sv[0], sv[2], sv[4], sv[6]], 'sigmoid of large positive').toEqual([1, 1, 1, 1]);
    expect(sv[1]!, 'sigmoid(-100)').toBeLessThan(1e-30);
    expect(sv[7]!, 'sigmoid(-50)').toBeLessThan(1e-20);
    expect([sv[3], sv[5]], 'sigmoid(-1e30), sigmoid(-Inf)').toEqual([0, 0]);
    await scope.checkOp(t, 'tanh', 'tanh limits');
    await scope.checkOp(s, 'sigmoid', 'sigmoid limits');
  });

  for (const op of INT_UNARY) {
    ctx.test(`${op} on int32`, async (scope) => {
      const rng = mulberry32(77);
      await checkUnary(scope, op, randomInts(rng, 40, -1000, 1000), [5, 8], 'int32', 'random');
      await checkUnary(scope, op, [0, 1, -1, INT32_MAX, INT32_MIN + 1, 65536, -65536], [7], 'int32', 'edges');
      await checkUnary(scope, op, [], [0], 'int32', 'empty');
      await checkUnary(scope, op, [-5], [], 'int32', 'scalar');
    });
  }

  ctx.test('neg and abs of int32 INT32_MIN wrap to INT32_MIN (two\'s complement)', async (scope) => {
    await checkUnary(scope, 'neg', [INT32_MIN], [1], 'int32', 'INT32_MIN');
    await checkUnary(scope, 'abs', [INT32_MIN], [1], 'int32', 'INT32_MIN');
  });
}

/** Binary and compare ops on every shape pair, edge values and random broadcasts. */
function binaryAndCompareCases(ctx: ConformanceContext): void {
  for (const op of TWO_INPUT_OPS) {
    ctx.test(`${op} float32 on equal, scalar, broadcast, size-1 and empty shapes`, async (scope) => {
      const rng = mulberry32(0xb1 + op.length * 7);
      for (const [sa, sb] of SHAPE_PAIRS) {
        await checkTwoInput(scope, op, { values: floatsFor(rng, sa, op), shape: sa }, { values: floatsFor(rng, sb, op), shape: sb }, 'float32', 'random');
      }
    });

    ctx.test(`${op} float32 on every pair of edge values (NaN propagation, infinities, overflow)`, async (scope) => {
      const edges = edgeFloats();
      const n = edges.length;
      await checkTwoInput(scope, op, { values: edges, shape: [n, 1] }, { values: edges, shape: [1, n] }, 'float32', 'edges');
    });
  }

  for (const op of [...INT_BINARY, ...COMPARE_OPS] as const) {
    ctx.test(`${op} int32 on equal, scalar and broadcast shapes`, async (scope) => {
      const rng = mulberry32(0x1a7 + op.length);
      for (const [sa, sb] of SHAPE_PAIRS) {
        await checkTwoInput(scope, op, { values: randomInts(rng, sizeOf(sa), -50, 50), shape: sa }, { values: randomInts(rng, sizeOf(sb), -50, 50), shape: sb }, 'int32', 'random');
      }
    });
  }

  ctx.test('int32 add, sub and mul wrap on overflow (two\'s complement)', async (scope) => {
    const a = [INT32_MAX, INT32_MIN, 65536, 123456789, -2];
    const b = [1, 1, 65536, 987654321, INT32_MIN];
    for (const op of ['add', 'sub', 'mul'] as const) {
      await checkTwoInput(scope, op, { values: a, shape: [5] }, { values: b, shape: [5] }, 'int32', 'overflow');
    }
  });

  ctx.test('maximum propagates NaN from either side', async (scope) => {
    const a = scope.upload(Float32Array.from([NaN, 1, NaN, -Infinity]), [4], 'float32');
    const b = scope.upload(Float32Array.from([1, NaN, NaN, NaN]), [4], 'float32');
    const out = scope.run((backend, x, y) => backend.maximum(x!, y!), a, b);
    const values = Array.from(await scope.read(out.actual));
    expect(values.every(Number.isNaN), `maximum(NaN, x) = NaN: got ${values.join(', ')}`).toBe(true);
  });

  ctx.test('property: broadcasting binary and compare ops match the reference on random shapes', async (scope) => {
    const dim = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 12, arbitrary: fc.integer({ min: 1, max: 5 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(dim, { minLength: 0, maxLength: 4 }),
        fc.nat(4),
        fc.nat(4),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.constantFrom(...TWO_INPUT_OPS),
        fc.constantFrom<DType>('float32', 'int32'),
        fc.integer(),
        async (out, dropA, dropB, onesA, onesB, op, dtypeIn, seed) => {
          const dtype: DType = op === 'div' ? 'float32' : dtypeIn;
          const sa = out.slice(Math.min(dropA, out.length)).map((d, i) => (onesA[i] ? 1 : d));
          const sb = out.slice(Math.min(dropB, out.length)).map((d, i) => (onesB[i] ? 1 : d));
          const rng = mulberry32(seed);
          const va = dtype === 'int32' ? randomInts(rng, sizeOf(sa), -20, 20) : floatsFor(rng, sa, op);
          const vb = dtype === 'int32' ? randomInts(rng, sizeOf(sb), -20, 20) : floatsFor(rng, sb, op);
          await checkTwoInput(scope, op, { values: va, shape: sa }, { values: vb, shape: sb }, dtype, 'property');
        },
      ),
      { numRuns: 150, seed: 20240601 },
    );
  });
}

/** where with broadcasting of all three inputs. */
function whereCases(ctx: ConformanceContext): void {
  async function checkWhere(
    scope: CaseScope,
    c: { values: ArrayLike<number>; shape: Shape },
    a: { values: ArrayLike<number>; shape: Shape },
    b: { values: ArrayLike<number>; shape: Shape },
    dtype: DType,
    label: string,
  ): Promise<void> {
    const pc = scope.upload(c.values, c.shape, 'float32');
    const pa = scope.upload(a.values, a.shape, dtype);
    const pb = scope.upload(b.values, b.shape, dtype);
    const out = scope.run((backend, x, y, z) => backend.where(x!, y!, z!), pc, pa, pb);
    await scope.checkOp(out, 'where', `where ${dtype} ${fmt(c.shape)} ? ${fmt(a.shape)} : ${fmt(b.shape)} ${label}`);
  }

  const mask = (rng: Rng, shape: Shape): Float32Array => {
    const v = new Float32Array(sizeOf(shape));
    for (let i = 0; i < v.length; i++) v[i] = rng() < 0.5 ? 0 : 1;
    return v;
  };

  const WHERE_SHAPES: readonly (readonly [Shape, Shape, Shape])[] = [
    [[4, 5], [4, 5], [4, 5]],
    [[3, 1, 1], [1, 4, 1], [5]], // all three broadcast
    [[5], [3, 4, 1], [4, 5]],
    [[], [2, 3], [2, 3]], // scalar condition
    [[2, 3], [], []], // scalar branches
    [[0, 3], [3], [1]], // empty
    [[1037], [1037], [1]],
  ];

  ctx.test('where float32 and int32 with broadcasting of all three', async (scope) => {
    const rng = mulberry32(0x3e4e);
    for (const dtype of ['float32', 'int32'] as const) {
      for (const [sc, sa, sb] of WHERE_SHAPES) {
        const va = dtype === 'int32' ? randomInts(rng, sizeOf(sa), -9, 9) : randomFloats(rng, sa);
        const vb = dtype === 'int32' ? randomInts(rng, sizeOf(sb), -9, 9) : randomFloats(rng, sb);
        await checkWhere(scope, { values: mask(rng, sc), shape: sc }, { values: va, shape: sa }, { values: vb, shape: sb }, dtype, 'random');
      }
    }
  });

  ctx.test('where: any non-zero condition (2.5, -1, Inf, NaN) picks a; 0 and -0 pick b; NaN values pass through', async (scope) => {
    const c = Float32Array.from([0, -0, 1, 2.5, -1, Infinity, NaN, 0]);
    const a = Float32Array.from([1, 2, 3, 4, 5, 6, 7, NaN]);
    const b = Float32Array.from([-1, -2, NaN, -4, -5, -6, -7, -8]);
    await checkWhere(scope, { values: c, shape: [8] }, { values: a, shape: [8] }, { values: b, shape: [8] }, 'float32', 'conditions');
  });
}
