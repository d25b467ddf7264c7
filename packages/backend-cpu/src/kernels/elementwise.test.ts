import { broadcastShapes, sizeOf, stridesOf, type Shape, type TensorData } from '@cellstate/tensor';
import { mulberry32 } from '@cellstate/tensor/testing';
import { describe, expect, it } from 'vitest';
import { binary, binaryGeneral, unary, where, type BinaryKernelOp } from './elementwise.js';

function randomFloats(n: number, next: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.round((next() * 8 - 4) * 4) / 4);
}

/** Naive broadcasting read: unravel output index i, use 0 on broadcast dimensions, ravel into `shape`. */
function readBroadcast(data: TensorData, shape: Shape, outShape: Shape, i: number): number {
  const outStrides = stridesOf(outShape);
  let offset = 0;
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const o = outShape.length - shape.length + d;
    const coord = Math.floor(i / outStrides[o]!) % outShape[o]!;
    offset += (shape[d] === 1 ? 0 : coord) * stride;
    stride *= shape[d]!;
  }
  return data[offset]!;
}

function naiveBinary(f: (x: number, y: number) => number, a: TensorData, aShape: Shape, b: TensorData, bShape: Shape, out: TensorData): void {
  const outShape = broadcastShapes('test', aShape, bShape);
  for (let i = 0; i < out.length; i++) out[i] = f(readBroadcast(a, aShape, outShape, i), readBroadcast(b, bShape, outShape, i));
}

const SCALAR: Record<BinaryKernelOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  maximum: (x, y) => Math.max(x, y),
  greater: (x, y) => (x > y ? 1 : 0),
  equal: (x, y) => (x === y ? 1 : 0),
};
const OPS = Object.keys(SCALAR) as BinaryKernelOp[];

function runBinary(op: BinaryKernelOp, a: TensorData, aShape: Shape, b: TensorData, bShape: Shape, general = false): Float32Array {
  const outShape = broadcastShapes(op, aShape, bShape);
  const out = new Float32Array(sizeOf(outShape));
  (general ? binaryGeneral : binary)(op, a, aShape, b, bShape, out, outShape);
  return out;
}

describe('unary', () => {
  const run = (op: Parameters<typeof unary>[0], values: number[]): number[] => {
    const x = Float32Array.from(values);
    const out = new Float32Array(x.length);
    unary(op, x, out);
    return Array.from(out);
  };

  it('computes hand-checked values', () => {
    expect(run('neg', [1, -2, 0])).toEqual([-1, 2, -0]);
    expect(run('exp', [0, 1])).toEqual([1, Math.fround(Math.E)]);
    expect(run('log', [1, 0, -1])).toEqual([0, -Infinity, NaN]);
    expect(run('sqrt', [4, 0, -1])).toEqual([2, 0, NaN]);
    expect(run('relu', [-1, 0, 2.5, NaN])).toEqual([0, 0, 2.5, NaN]);
    expect(run('abs', [-3, 3, -0])).toEqual([3, 3, 0]);
    expect(run('tanh', [0])).toEqual([0]);
  });

  it('keeps tanh and sigmoid finite for large |x| and NaN for NaN', () => {
    expect(run('tanh', [1000, -1000, 20, -20])).toEqual([1, -1, 1, -1]);
    expect(run('tanh', [NaN])).toEqual([NaN]);
    expect(run('sigmoid', [0, 1000, -1000, Infinity, -Infinity])).toEqual([0.5, 1, 0, 1, 0]);
    expect(run('sigmoid', [NaN])).toEqual([NaN]);
    const [small] = run('sigmoid', [-80]);
    expect(small).toBeGreaterThan(0);
    expect(small).toBeCloseTo(Math.exp(-80), 40);
    expect(run('sigmoid', [2, -2])[0]! + run('sigmoid', [2, -2])[1]!).toBeCloseTo(1, 6);
  });

  it('handles int32 neg, abs and relu with int32 wrapping', () => {
    const x = Int32Array.from([5, -7, 0, -2147483648]);
    const out = new Int32Array(4);
    unary('neg', x, out);
    expect(Array.from(out)).toEqual([-5, 7, 0, -2147483648]);
    unary('abs', x, out);
    expect(Array.from(out)).toEqual([5, 7, 0, -2147483648]);
    unary('relu', x, out);
    expect(Array.from(out)).toEqual([5, 0, 0, 0]);
  });

  it('works on empty input', () => {
    expect(run('exp', [])).toEqual([]);
  });
});

describe('binary', () => {
  it('broadcasts a column against a row', () => {
    const out = runBinary('add', Float32Array.from([1, 2]), [2, 1], Float32Array.from([10, 20]), [2]);
    expect(Array.from(out)).toEqual([11, 21, 12, 22]);
  });

  it('computes each op by hand', () => {
    const a = Float32Array.from([1, 5, -2, 3]);
    const b = Float32Array.from([2, 5, 4, -1]);
    expect(Array.from(runBinary('sub', a, [4], b, [4]))).toEqual([-1, 0, -6, 4]);
    expect(Array.from(runBinary('mul', a, [4], b, [4]))).toEqual([2, 25, -8, -3]);
    expect(Array.from(runBinary('div', a, [4], b, [4]))).toEqual([0.5, 1, -0.5, -3]);
    expect(Array.from(runBinary('maximum', a, [4], b, [4]))).toEqual([2, 5, 4, 3]);
    expect(Array.from(runBinary('greater', a, [4], b, [4]))).toEqual([0, 0, 0, 1]);
    expect(Array.from(runBinary('equal', a, [4], b, [4]))).toEqual([0, 1, 0, 0]);
  });

  it('propagates NaN through maximum and compares NaN as false', () => {
    const a = Float32Array.from([NaN, 1, NaN]);
    const b = Float32Array.from([1, NaN, NaN]);
    expect(Array.from(runBinary('maximum', a, [3], b, [3]))).toEqual([NaN, NaN, NaN]);
    expect(Array.from(runBinary('greater', a, [3], b, [3]))).toEqual([0, 0, 0]);
    expect(Array.from(runBinary('equal', a, [3], b, [3]))).toEqual([0, 0, 0]);
    expect(Array.from(runBinary('div', Float32Array.from([1, -1, 0]), [3], Float32Array.from([0]), []))).toEqual([Infinity, -Infinity, NaN]);
  });

  it('wraps int32 arithmetic like int32 and writes float32 masks for int32 compares', () => {
    const a = Int32Array.from([2147483647, 65536, -2147483648, 7]);
    const b = Int32Array.from([1, 65536, 1, 7]);
    const run = (op: BinaryKernelOp, out: TensorData): number[] => {
      binary(op, a, [4], b, [4], out, [4]);
      return Array.from(out);
    };
    expect(run('add', new Int32Array(4))).toEqual([-2147483648, 131072, -2147483647, 14]);
    expect(run('sub', new Int32Array(4))).toEqual([2147483646, 0, 2147483647, 0]);
    expect(run('mul', new Int32Array(4))).toEqual([2147483647, 0, -2147483648, 49]);
    expect(run('maximum', new Int32Array(4))).toEqual([2147483647, 65536, 1, 7]);
    expect(run('equal', new Float32Array(4))).toEqual([0, 1, 0, 1]);
    // int32 mul is exact where a float product would round: 123456789 * 987654321 mod 2^32.
    const out = new Int32Array(1);
    binary('mul', Int32Array.from([123456789]), [1], Int32Array.from([987654321]), [1], out, [1]);
    expect(out[0]).toBe(Math.imul(123456789, 987654321));
  });

  it('handles scalars and empty shapes', () => {
    expect(Array.from(runBinary('add', Float32Array.from([2]), [], Float32Array.from([3]), []))).toEqual([5]);
    expect(Array.from(runBinary('mul', Float32Array.from([2]), [], Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]))).toEqual([2, 4, 6, 8, 10, 12]);
    expect(runBinary('add', new Float32Array(0), [0, 3], Float32Array.from([1, 2, 3]), [3]).length).toBe(0);
    expect(runBinary('add', new Float32Array(0), [2, 0], Float32Array.from([1, 2]), [2, 1]).length).toBe(0);
    expect(runBinary('add', new Float32Array(0), [2, 0], Float32Array.from([1, 2]), [2, 1], true).length).toBe(0);
  });

  it('fast paths (equal shapes, scalar operands) agree with the general path and a naive loop', () => {
    const next = mulberry32(1);
    const cases: [Shape, Shape][] = [
      [[7], [7]],
      [[3, 5], [3, 5]],
      [[2, 3, 4], [1, 2, 3, 4]],
      [[4, 6], []],
      [[], [4, 6]],
      [[3, 1, 2], [1]],
      [[1], [2, 5]],
    ];
    for (const [aShape, bShape] of cases) {
      const a = randomFloats(sizeOf(aShape), next);
      const b = randomFloats(sizeOf(bShape), next);
      for (const op of OPS) {
        const fast = runBinary(op, a, aShape, b, bShape);
        const general = runBinary(op, a, aShape, b, bShape, true);
        const naive = new Float32Array(fast.length);
        naiveBinary((x, y) => SCALAR[op](x, y), a, aShape, b, bShape, naive);
        expect(fast, `${op} ${aShape} ${bShape}`).toEqual(general);
        expect(fast, `${op} ${aShape} ${bShape}`).toEqual(naive);
      }
    }
  });

  it('general broadcasting agrees with a naive loop on random shapes', () => {
    const next = mulberry32(2);
    for (let trial = 0; trial < 200; trial++) {
      const rank = Math.floor(next() * 5);
      const outShape = Array.from({ length: rank }, () => 1 + Math.floor(next() * 4));
      const pick = (): number[] => {
        const r = Math.floor(next() * (rank + 1));
        return outShape.slice(rank - r).map((d) => (next() < 0.4 ? 1 : d));
      };
      const aShape = pick();
      const bShape = pick();
      const a = randomFloats(sizeOf(aShape), next);
      const b = randomFloats(sizeOf(bShape), next);
      const op = OPS[trial % OPS.length]!;
      const out = runBinary(op, a, aShape, b, bShape);
      const naive = new Float32Array(out.length);
      naiveBinary((x, y) => SCALAR[op](x, y), a, aShape, b, bShape, naive);
      expect(out, `${op} ${JSON.stringify(aShape)} ${JSON.stringify(bShape)}`).toEqual(naive);
    }
  });
});

describe('where', () => {
  it('picks a where condition != 0, counting NaN as true', () => {
    const out = new Float32Array(4);
    where(Float32Array.from([1, 0, NaN, -2]), [4], Float32Array.from([1, 2, 3, 4]), [4], Float32Array.from([9, 9, 9, 9]), [4], out, [4]);
    expect(Array.from(out)).toEqual([1, 9, 3, 4]);
  });

  it('broadcasts all three operands and keeps int32 values', () => {
    // condition [2, 1], a [3] int32, b [] int32 -> [2, 3]
    const out = new Int32Array(6);
    where(Float32Array.from([1, 0]), [2, 1], Int32Array.from([1, 2, 3]), [3], Int32Array.from([-7]), [], out, [2, 3]);
    expect(Array.from(out)).toEqual([1, 2, 3, -7, -7, -7]);
  });

  it('agrees with a naive loop on random broadcast shapes, scalars and empty shapes', () => {
    const next = mulberry32(3);
    const shapes: [Shape, Shape, Shape][] = [
      [[], [], []],
      [[2, 1, 3], [], [5, 1]],
      [[4], [2, 4], [3, 1, 1]],
      [[2, 3], [2, 3], [2, 3]],
      [[3, 1, 4], [1, 5, 1], [4]],
      [[1], [0, 2], [2]],
      // one condition per row (the row is copied or filled): every pairing of a and b strides
      [[6, 4, 1], [6, 4, 7], []],
      [[6, 4, 1], [6, 4, 7], [6, 4, 7]],
      [[6, 4, 1], [7], [6, 1, 1]],
      [[5, 1], [1, 9], [5, 9]],
      [[5, 1], [5, 9], [9]],
      [[6, 4, 1], [], [6, 4, 7]],
      [[6, 4, 1], [6, 1, 1], [1, 4, 7]],
    ];
    for (const [cShape, aShape, bShape] of shapes) {
      const c = Float32Array.from({ length: sizeOf(cShape) }, () => (next() < 0.5 ? 0 : 1));
      const a = randomFloats(sizeOf(aShape), next);
      const b = randomFloats(sizeOf(bShape), next);
      const outShape = broadcastShapes('where', cShape, aShape, bShape);
      const out = new Float32Array(sizeOf(outShape));
      where(c, cShape, a, aShape, b, bShape, out, outShape);
      const naive = new Float32Array(out.length);
      for (let i = 0; i < out.length; i++) {
        const cv = readBroadcast(c, cShape, outShape, i);
        naive[i] = cv !== 0 ? readBroadcast(a, aShape, outShape, i) : readBroadcast(b, bShape, outShape, i);
      }
      expect(out, `${JSON.stringify([cShape, aShape, bShape])}`).toEqual(naive);
    }
  });
});
