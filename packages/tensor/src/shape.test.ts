import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { broadcastShapes, broadcastStrides, inferReshape, matmulShape, normalizeAxes, normalizeSlice, reducedShape, sizeOf, stridesOf, gatherShape, concatShape } from './shape.js';
import { ShapeError } from './errors.js';

const dim = fc.integer({ min: 0, max: 5 });
const shape = fc.array(dim, { minLength: 0, maxLength: 4 });

describe('shape', () => {
  it('sizeOf and strides', () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 0, 3])).toBe(0);
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
  });

  it('broadcasting follows NumPy and rejects mismatches with a ShapeError naming the op', () => {
    expect(broadcastShapes('add', [3, 1], [1, 4])).toEqual([3, 4]);
    expect(broadcastShapes('add', [2, 3, 4], [4])).toEqual([2, 3, 4]);
    expect(broadcastShapes('add', [], [2])).toEqual([2]);
    expect(broadcastShapes('add', [0, 1], [1, 3])).toEqual([0, 3]);
    expect(() => broadcastShapes('mul', [2, 3], [4])).toThrow(ShapeError);
    expect(() => broadcastShapes('mul', [2, 3], [4])).toThrow(/mul: shapes cannot be broadcast together; got \[2, 3\] and \[4\]/);
  });

  it('property: a shape broadcast with its own size-1 reductions gives itself; broadcasting is commutative', () => {
    fc.assert(
      fc.property(shape, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 4 }), (s, ones, drop) => {
        const reduced = s.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, s.length));
        expect(broadcastShapes('p', s, reduced)).toEqual(s);
        expect(broadcastShapes('p', reduced, s)).toEqual(s);
      }),
    );
  });

  it('property: broadcast strides address the right element', () => {
    fc.assert(
      fc.property(shape, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), (out, ones) => {
        const input = out.map((d, i) => (ones[i] ? 1 : d));
        const bs = broadcastStrides(input, out);
        const is = stridesOf(input);
        // Walk every output multi-index and compare with the explicit input index.
        const total = sizeOf(out);
        for (let flat = 0; flat < total; flat++) {
          let rem = flat;
          let viaBroadcast = 0;
          let explicit = 0;
          for (let d = out.length - 1; d >= 0; d--) {
            const idx = rem % out[d]!;
            rem = Math.floor(rem / out[d]!);
            viaBroadcast += idx * bs[d]!;
            explicit += (input[d] === 1 ? 0 : idx) * is[d]!;
          }
          expect(viaBroadcast).toBe(explicit);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('axes: negative, sorted, repeated, out of range', () => {
    expect(normalizeAxes('sum', [-1, 0], 3)).toEqual([0, 2]);
    expect(normalizeAxes('sum', undefined, 2)).toEqual([0, 1]);
    expect(() => normalizeAxes('sum', [3], 3)).toThrow(/sum: axis 3 is out of range for rank 3/);
    expect(() => normalizeAxes('sum', [1, -2], 3)).toThrow(/repeated/);
    expect(reducedShape([2, 3, 4], [1], true)).toEqual([2, 1, 4]);
    expect(reducedShape([2, 3, 4], [0, 2], false)).toEqual([3]);
  });

  it('matmul shapes with transpose flags and batch broadcasting', () => {
    expect(matmulShape('matmul', [2, 3], [3, 4], false, false).shape).toEqual([2, 4]);
    expect(matmulShape('matmul', [3, 2], [4, 3], true, true).shape).toEqual([2, 4]);
    expect(matmulShape('matmul', [5, 1, 2, 3], [7, 3, 4], false, false).shape).toEqual([5, 7, 2, 4]);
    expect(() => matmulShape('matmul', [2, 3], [4, 5], false, false)).toThrow(/matmul: inner dimensions differ \(3 vs 4\); expected \[..., M, K\] x \[..., K, N\]; got \[2, 3\] and \[4, 5\]/);
    expect(() => matmulShape('matmul', [3], [3, 1], false, false)).toThrow(/rank >= 2/);
  });

  it('property: slice bounds are validated and -1 means to the end', () => {
    fc.assert(
      fc.property(shape.filter((s) => s.length > 0), fc.infiniteStream(fc.nat()), (s, stream) => {
        const it = stream[Symbol.iterator]();
        const begin = s.map((d) => (d === 0 ? 0 : it.next().value % (d + 1)));
        const size = s.map((d, i) => (it.next().value % 2 === 0 ? -1 : it.next().value % (d - begin[i]! + 1)));
        const out = normalizeSlice('slice', s, begin, size);
        out.forEach((n, i) => {
          expect(n).toBeGreaterThanOrEqual(0);
          expect(begin[i]! + n).toBeLessThanOrEqual(s[i]!);
          if (size[i] === -1) expect(begin[i]! + n).toBe(s[i]);
        });
        expect(() => normalizeSlice('slice', s, begin.map((b, i) => b + s[i]! + 1), size)).toThrow(ShapeError);
      }),
    );
  });

  it('gather, concat and reshape shapes', () => {
    expect(gatherShape([10, 4], [2, 3], 0)).toEqual([2, 3, 4]);
    expect(gatherShape([2, 10, 4], [5], 1)).toEqual([2, 5, 4]);
    expect(concatShape('concat', [[2, 3], [2, 0], [2, 1]], 1)).toEqual([2, 4]);
    expect(() => concatShape('concat', [[2, 3], [3, 3]], 1)).toThrow(/all dimensions except axis 1 must match/);
    expect(inferReshape('reshape', [2, 6], [3, -1])).toEqual([3, 4]);
    expect(inferReshape('reshape', [0, 6], [-1, 3])).toEqual([0, 3]);
    expect(() => inferReshape('reshape', [2, 6], [5, -1])).toThrow(/cannot reshape 12 elements/);
  });
});
