import { sizeOf, stridesOf, type Shape, type TensorData } from '@cellstate/tensor';
import { mulberry32 } from '@cellstate/tensor/testing';
import { describe, expect, it } from 'vitest';
import { reducedShape } from '@cellstate/tensor/backend-kit';
import { argmax, max, sum } from './reduce.js';

function run(kernel: typeof sum, x: TensorData, shape: Shape, axes: number[]): number[] {
  const out = x instanceof Int32Array ? new Int32Array(sizeOf(reducedShape(shape, axes, false))) : new Float32Array(sizeOf(reducedShape(shape, axes, false)));
  kernel(x, shape, axes, out);
  return Array.from(out);
}

/** Naive reduction: every input element goes to the output index of its kept coordinates. */
function naive(kind: 'sum' | 'max', x: TensorData, shape: Shape, axes: number[]): number[] {
  const outShape = reducedShape(shape, axes, false);
  const acc = new Array<number>(sizeOf(outShape)).fill(kind === 'sum' ? 0 : -Infinity);
  const strides = stridesOf(shape);
  const outStrides = stridesOf(outShape);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    let k = 0;
    for (let d = 0; d < shape.length; d++) {
      const coord = Math.floor(i / strides[d]!) % shape[d]!;
      if (!axes.includes(d)) o += coord * outStrides[k++]!;
    }
    const v = x[i]!;
    if (kind === 'sum') acc[o] += v;
    else if (Number.isNaN(v) || Number.isNaN(acc[o]!)) acc[o] = NaN;
    else acc[o] = Math.max(acc[o]!, v);
  }
  return Array.from(Float32Array.from(acc));
}

describe('sum', () => {
  it('reduces hand-checked cases', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    expect(run(sum, x, [2, 3], [1])).toEqual([6, 15]);
    expect(run(sum, x, [2, 3], [0])).toEqual([5, 7, 9]);
    expect(run(sum, x, [2, 3], [0, 1])).toEqual([21]);
    expect(run(sum, x, [2, 3], [])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run(sum, Float32Array.from([7]), [], [])).toEqual([7]);
    expect(run(sum, x, [2, 1, 3], [1])).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('gives 0 for empty reductions and nothing for empty outputs', () => {
    expect(run(sum, new Float32Array(0), [0], [0])).toEqual([0]);
    expect(run(sum, new Float32Array(0), [3, 0], [1])).toEqual([0, 0, 0]);
    expect(run(sum, new Float32Array(0), [0, 3], [1])).toEqual([]);
  });

  it('keeps int32 and wraps like int32', () => {
    expect(run(sum, Int32Array.from([2147483647, 1, 5]), [3], [0])).toEqual([-2147483643]);
    expect(run(sum, Int32Array.from([1, 2, 3, 4]), [2, 2], [0])).toEqual([4, 6]);
  });

  it('accumulates float32 in float64', () => {
    // 2^24 + 1 + 1 in float32 steps would stay 2^24; float64 gets 2^24 + 2.
    expect(run(sum, Float32Array.from([16777216, 1, 1]), [3], [0])).toEqual([16777218]);
  });

  it('agrees with a naive loop on random shapes and axes', () => {
    const next = mulberry32(4);
    for (let trial = 0; trial < 200; trial++) {
      const rank = Math.floor(next() * 5);
      const shape = Array.from({ length: rank }, () => Math.floor(next() * 4) + (next() < 0.1 ? 0 : 1));
      const axes = Array.from({ length: rank }, (_, i) => i).filter(() => next() < 0.5);
      const x = Float32Array.from({ length: sizeOf(shape) }, () => Math.round(next() * 16 - 8));
      expect(run(sum, x, shape, axes), `${JSON.stringify(shape)} ${JSON.stringify(axes)}`).toEqual(naive('sum', x, shape, axes));
      expect(run(max, x, shape, axes), `${JSON.stringify(shape)} ${JSON.stringify(axes)}`).toEqual(naive('max', x, shape, axes));
    }
  });
});

describe('max', () => {
  it('reduces hand-checked cases', () => {
    const x = Float32Array.from([1, 9, 3, -4, 5, 6]);
    expect(run(max, x, [2, 3], [1])).toEqual([9, 6]);
    expect(run(max, x, [2, 3], [0])).toEqual([1, 9, 6]);
    expect(run(max, x, [2, 3], [0, 1])).toEqual([9]);
  });

  it('is NaN when any reduced element is NaN, wherever it sits', () => {
    const x = Float32Array.from([NaN, 1, 2, 3, NaN, 4]);
    expect(run(max, x, [2, 3], [1])).toEqual([NaN, NaN]);
    expect(run(max, x, [2, 3], [0])).toEqual([NaN, NaN, 4]);
    expect(run(max, Float32Array.from([1, 2, NaN]), [3], [0])).toEqual([NaN]);
  });

  it('gives -Infinity (float32) or int32 min for an empty reduction', () => {
    expect(run(max, new Float32Array(0), [2, 0], [1])).toEqual([-Infinity, -Infinity]);
    expect(run(max, new Int32Array(0), [0], [0])).toEqual([-2147483648]);
    expect(run(max, Int32Array.from([-5, 3, 2147483647]), [3], [0])).toEqual([2147483647]);
  });
});

describe('argmax', () => {
  const runArgmax = (x: TensorData, shape: Shape, axis: number): number[] => {
    const out = new Int32Array(sizeOf(reducedShape(shape, [axis], false)));
    argmax(x, shape, axis, out);
    return Array.from(out);
  };

  it('returns the first maximum', () => {
    const x = Float32Array.from([1, 9, 3, 7, 2, 7]);
    expect(runArgmax(x, [2, 3], 1)).toEqual([1, 0]);
    expect(runArgmax(x, [2, 3], 0)).toEqual([1, 0, 1]);
    expect(runArgmax(Float32Array.from([5, 5, 5]), [3], 0)).toEqual([0]);
    expect(runArgmax(Float32Array.from([-Infinity, -Infinity]), [2], 0)).toEqual([0]);
    expect(runArgmax(Int32Array.from([-3, 4, 4]), [3], 0)).toEqual([1]);
  });

  it('treats NaN as the maximum; the first NaN wins', () => {
    expect(runArgmax(Float32Array.from([1, NaN, 9, NaN]), [4], 0)).toEqual([1]);
    expect(runArgmax(Float32Array.from([NaN, 9]), [2], 0)).toEqual([0]);
    // columns: [1, NaN], [NaN, 2], [3, NaN]
    expect(runArgmax(Float32Array.from([1, NaN, 3, NaN, 2, NaN]), [2, 3], 0)).toEqual([1, 0, 1]);
  });

  it('handles size-1 axes and empty outer dimensions', () => {
    expect(runArgmax(Float32Array.from([4, 2]), [2, 1], 1)).toEqual([0, 0]);
    expect(runArgmax(new Float32Array(0), [0, 3], 1)).toEqual([]);
  });

  it('agrees with a naive loop on random shapes', () => {
    const next = mulberry32(5);
    for (let trial = 0; trial < 100; trial++) {
      const rank = 1 + Math.floor(next() * 4);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(next() * 4));
      const axis = Math.floor(next() * rank);
      const x = Float32Array.from({ length: sizeOf(shape) }, () => (next() < 0.05 ? NaN : Math.floor(next() * 5)));
      const strides = stridesOf(shape);
      const expected: number[] = [];
      for (let i = 0; i < x.length; i++) {
        if (Math.floor(i / strides[axis]!) % shape[axis]! !== 0) continue;
        let best = 0;
        for (let k = 1; k < shape[axis]!; k++) {
          const v = x[i + k * strides[axis]!]!;
          const b = x[i + best * strides[axis]!]!;
          if (!Number.isNaN(b) && (Number.isNaN(v) || v > b)) best = k;
        }
        expected.push(best);
      }
      expect(runArgmax(x, shape, axis), `${JSON.stringify(shape)} axis ${axis}`).toEqual(expected);
    }
  });
});
