import { describe, expect, it } from 'vitest';
import type { Handle } from '../backend/handle.js';
import { BINARY_OPS, COMPARE_OPS, UNARY_OPS, type BinaryOpName, type CompareOpName, type UnaryOpName } from '../backend/primitive-ops.js';
import { broadcastShapes, sizeOf, stridesOf, type Shape } from '../shape.js';
import { ElementwiseDispatch, StridedCursor, adamCoefficients, allocate, broadcastStrides, coalesce, dtypeOf, gruReserveLayout, lstmReserveLayout, product, reducedShape, StorageTable, toInt32 } from './index.js';
import { DisposedTensorError } from '../errors.js';

/** Row-major multi-indices of `shape`, in order (the naive walk every helper must agree with). */
function* multiIndices(shape: Shape): Generator<number[]> {
  const total = sizeOf(shape);
  for (let flat = 0; flat < total; flat++) {
    const index = new Array<number>(shape.length);
    let rest = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
    }
    yield index;
  }
}

const dot = (index: readonly number[], strides: readonly number[]) => index.reduce((sum, v, d) => sum + v * strides[d]!, 0);

/** Pairs of input shapes and the shape they broadcast to. */
const BROADCASTS: [Shape, Shape][] = [
  [[], [3]],
  [[3], [2, 3]],
  [[2, 1], [2, 3]],
  [[1, 3, 1], [2, 3, 4]],
  [[4], [2, 3, 4]],
  [[2, 3, 4], [2, 3, 4]],
  [[5, 1, 1, 2], [3, 5, 4, 6, 2]],
];

describe('broadcastStrides', () => {
  it('maps every output position to the input element NumPy broadcasting reads', () => {
    for (const [input, out] of BROADCASTS) {
      const strides = broadcastStrides(input, out);
      const inStrides = stridesOf(input);
      for (const index of multiIndices(out)) {
        const source = index.slice(out.length - input.length).map((v, d) => (input[d] === 1 ? 0 : v));
        expect(dot(index, strides), `${input} -> ${out} at ${index}`).toBe(dot(source, inStrides));
      }
    }
  });
});

describe('coalesce and StridedCursor', () => {
  it('walk the same offsets, in the same order, as the uncoalesced layout', () => {
    for (const [input, other] of BROADCASTS) {
      const out = broadcastShapes('test', input, other);
      const strides = [broadcastStrides(input, out), broadcastStrides(other, out), stridesOf(out)];
      const want = [...multiIndices(out)].map((index) => strides.map((s) => dot(index, s)));
      const merged = coalesce(out, strides);
      expect(merged.shape.every((n) => n > 1)).toBe(true);
      expect(sizeOf(merged.shape)).toBe(sizeOf(out));
      const cursor = new StridedCursor(merged.shape, merged.strides);
      const got: number[][] = [];
      for (let i = 0; i < want.length; i++, cursor.next()) got.push([...cursor.offsets]);
      expect(got, `${input} with ${other}`).toEqual(want);
      expect(cursor.offsets, 'wraps to the start').toEqual(strides.map(() => 0));
    }
  });

  it('merges a contiguous tensor to one dimension and keeps a transpose at two', () => {
    expect(coalesce([2, 3, 4], [stridesOf([2, 3, 4])])).toEqual({ shape: [24], strides: [[1]] });
    expect(coalesce([4, 6], [[1, 4], [6, 1]])).toEqual({ shape: [4, 6], strides: [[1, 4], [6, 1]] });
    expect(coalesce([1, 1], [[1, 1]])).toEqual({ shape: [], strides: [[]] });
  });

  it('walks only the outer dimensions when given a rank, from the start offsets', () => {
    const cursor = new StridedCursor([3, 2, 5], [[10, 5, 1]], 2, [100]);
    const got: number[] = [];
    for (let i = 0; i < 6; i++, cursor.next()) got.push(cursor.offsets[0]!);
    expect(got).toEqual([100, 105, 110, 115, 120, 125]);
    expect(cursor.offsets[0]).toBe(100);
  });
});

describe('shape products', () => {
  it('product multiplies a range of sizes; reducedShape drops or keeps reduced axes', () => {
    expect(product([2, 3, 4])).toBe(24);
    expect(product([2, 3, 4], 0, 1)).toBe(2);
    expect(product([2, 3, 4], 2)).toBe(4);
    expect(product([2, 3, 4], 1, 1)).toBe(1);
    expect(reducedShape([2, 3, 4], [1], true)).toEqual([2, 1, 4]);
    expect(reducedShape([2, 3, 4], [0, 2], false)).toEqual([3]);
    expect(reducedShape([2, 3], [0, 1], false)).toEqual([]);
  });
});

describe('toInt32', () => {
  it('truncates toward zero, maps NaN to 0 and clamps', () => {
    const cases: [number, number][] = [
      [2.9, 2],
      [-2.9, -2],
      [-0, 0],
      [NaN, 0],
      [Infinity, 2147483647],
      [-Infinity, -2147483648],
      [2147483647.5, 2147483647],
      [2147483648, 2147483647],
      [-2147483648.5, -2147483648],
      [-2147483649, -2147483648],
      [1e300, 2147483647],
    ];
    for (const [value, want] of cases) expect(Object.is(toInt32(value), want), `${value}`).toBe(true);
  });
});

describe('typed arrays', () => {
  it('allocate and dtypeOf agree', () => {
    expect(allocate('int32', 3)).toEqual(new Int32Array(3));
    expect(allocate('float32', 2)).toEqual(new Float32Array(2));
    expect(dtypeOf(allocate('int32', 1))).toBe('int32');
    expect(dtypeOf(allocate('float32', 1))).toBe('float32');
  });
});

describe('lstmReserveLayout', () => {
  it('lays gates [T·B, 4H], cPrev, tanhC, hPrev [T·B, H] end to end', () => {
    for (const [T, B, H] of [[1, 1, 1], [5, 2, 3], [0, 4, 8], [7, 3, 0]] as const) {
      const rows = T * B;
      const layout = lstmReserveLayout(T, B, H);
      expect(layout.gates).toBe(0);
      expect(layout.cPrev).toBe(layout.gates + rows * 4 * H);
      expect(layout.tanhC).toBe(layout.cPrev + rows * H);
      expect(layout.hPrev).toBe(layout.tanhC + rows * H);
      expect(layout.size).toBe(layout.hPrev + rows * H);
    }
  });
});

describe('gruReserveLayout', () => {
  it('lays r, z, n, hn, hPrev [T·B, H] end to end', () => {
    for (const [T, B, H] of [[1, 1, 1], [5, 2, 3], [0, 4, 8], [7, 3, 0]] as const) {
      const section = T * B * H;
      const layout = gruReserveLayout(T, B, H);
      expect([layout.r, layout.z, layout.n, layout.hn, layout.hPrev, layout.size]).toEqual([0, 1, 2, 3, 4, 5].map((k) => k * section));
    }
  });
});

describe('adamCoefficients', () => {
  const base = { step: 3, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
  it('Adam with L2 adds the decay to the gradient, AdamW scales the weights', () => {
    const adam = adamCoefficients({ ...base, weightDecay: 0.1, decoupledWeightDecay: false });
    expect(adam).toEqual({ l2: 0.1, decay: 1, stepSize: 0.01 / (1 - 0.9 ** 3), sqrtBiasCorrection2: Math.sqrt(1 - 0.999 ** 3) });
    const adamW = adamCoefficients({ ...base, weightDecay: 0.1, decoupledWeightDecay: true });
    expect(adamW.l2).toBe(0);
    expect(adamW.decay).toBe(1 - 0.01 * 0.1);
    const plain = adamCoefficients({ ...base, weightDecay: 0, decoupledWeightDecay: true });
    expect([plain.l2, plain.decay]).toEqual([0, 1]);
  });
});

describe('ElementwiseDispatch', () => {
  class Recorder extends ElementwiseDispatch {
    calls: string[] = [];
    protected unaryOp(op: UnaryOpName, x: Handle): Handle {
      this.calls.push(`unary ${op}`);
      return x;
    }
    protected binaryOp(op: BinaryOpName | CompareOpName, a: Handle): Handle {
      this.calls.push(`binary ${op}`);
      return a;
    }
  }

  it('routes each method to the op of the same name', () => {
    const r = new Recorder();
    const h: Handle = { id: 1, shape: [1], dtype: 'float32' };
    for (const op of UNARY_OPS) r[op](h);
    for (const op of [...BINARY_OPS, ...COMPARE_OPS]) r[op](h, h);
    expect(r.calls).toEqual([...UNARY_OPS.map((op) => `unary ${op}`), ...[...BINARY_OPS, ...COMPARE_OPS].map((op) => `binary ${op}`)]);
  });
});

describe('StorageTable', () => {
  it('counts references, hands back the storage on the last release, and names op and backend for a released one', () => {
    const table = new StorageTable<{ refs: number; bytes: number }>('cpu');
    const h = { id: 7, shape: [2], dtype: 'float32' as const };
    table.set(7, { refs: 1, bytes: 8 });
    table.retain(h);
    expect(table.release(h)).toBeUndefined();
    expect(table.of(h, 'add').refs).toBe(1);
    expect(table.release(h)).toEqual({ refs: 0, bytes: 8 });
    expect(table.size).toBe(0);
    expect(() => table.of(h, 'matmul')).toThrow(DisposedTensorError);
    expect(() => table.release(h)).toThrow("release: storage 7 on backend 'cpu' was already released");
    expect(() => table.retain(h)).toThrow(/^retain: storage 7/);
  });
});
