import { sizeOf, stridesOf, type Shape } from '@cellstate/tensor';
import { mulberry32 } from '@cellstate/tensor/testing';
import { describe, expect, it } from 'vitest';
import { gather, scatterAdd } from './indexing.js';

function unravel(i: number, shape: Shape): number[] {
  const strides = stridesOf(shape);
  return shape.map((d, k) => Math.floor(i / strides[k]!) % d);
}

function ravel(coords: readonly number[], shape: Shape): number {
  const strides = stridesOf(shape);
  return coords.reduce((s, c, k) => s + c * strides[k]!, 0);
}

const outShapeOf = (x: Shape, idx: Shape, axis: number): number[] => [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)];

describe('gather', () => {
  it('picks rows of an embedding table', () => {
    // table [3, 2], ids [2, 2] -> [2, 2, 2]
    const table = Float32Array.from([0, 1, 10, 11, 20, 21]);
    const out = new Float32Array(8);
    gather(table, [3, 2], Int32Array.from([2, 0, 1, 1]), 0, out);
    expect(Array.from(out)).toEqual([20, 21, 0, 1, 10, 11, 10, 11]);
  });

  it('gathers along an inner axis and reads 0 out of range', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]); // [2, 3]
    const out = new Float32Array(6);
    gather(x, [2, 3], Int32Array.from([2, -1, 3]), 1, out);
    expect(Array.from(out)).toEqual([3, 0, 0, 6, 0, 0]);
  });

  it('handles scalar indices, int32 values and empty index lists', () => {
    const x = Int32Array.from([7, 8, 9]);
    const one = new Int32Array(1);
    gather(x, [3], Int32Array.from([1]), 0, one); // indices shape [] -> out []
    expect(Array.from(one)).toEqual([8]);
    gather(x, [3], new Int32Array(0), 0, new Int32Array(0));
    const fromEmpty = new Float32Array(2);
    gather(new Float32Array(0), [0, 2], Int32Array.from([0]), 0, fromEmpty);
    expect(Array.from(fromEmpty)).toEqual([0, 0]);
  });

  it('copies long rows (block copies) like a naive loop, out of range as 0', () => {
    const next = mulberry32(13);
    for (const [P, N, Q] of [[1, 7, 32], [3, 5, 100], [2, 4, 31], [1, 50, 257]] as const) {
      const x = Float32Array.from({ length: P * N * Q }, () => next());
      const indices = Int32Array.from({ length: 9 }, () => Math.floor(next() * (N + 2)) - 1);
      const out = new Float32Array(P * indices.length * Q).fill(7);
      gather(x, [P, N, Q], indices, 1, out);
      for (let p = 0; p < P; p++)
        indices.forEach((idx, j) => {
          for (let q = 0; q < Q; q++) expect(out[(p * indices.length + j) * Q + q]).toBe(idx >= 0 && idx < N ? x[(p * N + idx) * Q + q] : 0);
        });
    }
  });

  it('agrees with a naive index map on random shapes', () => {
    const next = mulberry32(12);
    for (let trial = 0; trial < 80; trial++) {
      const shape = Array.from({ length: 1 + Math.floor(next() * 3) }, () => 1 + Math.floor(next() * 4));
      const axis = Math.floor(next() * shape.length);
      const idxShape = Array.from({ length: Math.floor(next() * 3) }, () => Math.floor(next() * 3));
      const indices = Int32Array.from({ length: sizeOf(idxShape) }, () => Math.floor(next() * (shape[axis]! + 2)) - 1);
      const x = Float32Array.from({ length: sizeOf(shape) }, (_, i) => i + 1);
      const outShape = outShapeOf(shape, idxShape, axis);
      const out = new Float32Array(sizeOf(outShape));
      gather(x, shape, indices, axis, out);
      const want = Float32Array.from({ length: out.length }, (_, i) => {
        const c = unravel(i, outShape);
        const idx = indices[ravel(c.slice(axis, axis + idxShape.length), idxShape)]!;
        if (idx < 0 || idx >= shape[axis]!) return 0;
        return x[ravel([...c.slice(0, axis), idx, ...c.slice(axis + idxShape.length)], shape)]!;
      });
      expect(out, JSON.stringify({ shape, axis, idxShape })).toEqual(want);
    }
  });
});

describe('scatterAdd', () => {
  it('adds updates at indices, summing repeats and ignoring out-of-range', () => {
    const out = new Float32Array(3);
    scatterAdd(Float32Array.from([0, 0, 0]), [3], Int32Array.from([0, 0, 2, 3, -1]), Float32Array.from([1, 2, 5, 100, 100]), 0, out);
    expect(Array.from(out)).toEqual([3, 0, 5]);
  });

  it('keeps x and works along an inner axis with int32 (wrapping)', () => {
    // x [2, 2] int32, indices [1] at axis 1, updates [2, 1]
    const out = new Int32Array(4);
    scatterAdd(Int32Array.from([1, 2147483647, 3, 4]), [2, 2], Int32Array.from([1]), Int32Array.from([1, 10]), 1, out);
    expect(Array.from(out)).toEqual([1, -2147483648, 3, 14]);
  });

  it('does not modify its inputs and handles empty updates', () => {
    const x = Float32Array.from([1, 2]);
    const out = new Float32Array(2);
    scatterAdd(x, [2], new Int32Array(0), new Float32Array(0), 0, out);
    expect(Array.from(out)).toEqual([1, 2]);
    expect(Array.from(x)).toEqual([1, 2]);
  });

  it('is the adjoint of gather: <gather(x), u> = <x, scatterAdd(0, u)> on random cases', () => {
    const next = mulberry32(13);
    for (let trial = 0; trial < 50; trial++) {
      const shape = Array.from({ length: 1 + Math.floor(next() * 3) }, () => 1 + Math.floor(next() * 4));
      const axis = Math.floor(next() * shape.length);
      const idxShape = [1 + Math.floor(next() * 5)];
      const indices = Int32Array.from({ length: idxShape[0]! }, () => Math.floor(next() * (shape[axis]! + 2)) - 1);
      const outShape = outShapeOf(shape, idxShape, axis);
      const x = Float32Array.from({ length: sizeOf(shape) }, () => Math.floor(next() * 9) - 4);
      const u = Float32Array.from({ length: sizeOf(outShape) }, () => Math.floor(next() * 9) - 4);
      const g = new Float32Array(u.length);
      gather(x, shape, indices, axis, g);
      const s = new Float32Array(x.length);
      scatterAdd(new Float32Array(x.length), shape, indices, u, axis, s);
      const lhs = g.reduce((acc, v, i) => acc + v * u[i]!, 0);
      const rhs = s.reduce((acc, v, i) => acc + v * x[i]!, 0);
      expect(lhs).toBe(rhs);
    }
  });
});
