import { sizeOf, stridesOf, type Shape } from '@cellstate/tensor';
import { mulberry32 } from '@cellstate/tensor/testing';
import { describe, expect, it } from 'vitest';
import { cast, concat, pad, slice, transpose } from './movement.js';

const iota = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i);

function unravel(i: number, shape: Shape): number[] {
  const strides = stridesOf(shape);
  return shape.map((d, k) => Math.floor(i / strides[k]!) % d);
}

function ravel(coords: readonly number[], shape: Shape): number {
  const strides = stridesOf(shape);
  return coords.reduce((s, c, k) => s + c * strides[k]!, 0);
}

function randomShape(next: () => number, maxRank = 4): number[] {
  const rank = Math.floor(next() * (maxRank + 1));
  return Array.from({ length: rank }, () => Math.floor(next() * 4) + (next() < 0.1 ? 0 : 1));
}

describe('transpose', () => {
  it('transposes a matrix and permutes a 3-d tensor', () => {
    const out = new Float32Array(6);
    transpose(iota(6), [2, 3], [1, 0], out);
    expect(Array.from(out)).toEqual([0, 3, 1, 4, 2, 5]);
    const out3 = new Float32Array(24);
    transpose(iota(24), [2, 3, 4], [2, 0, 1], out3);
    // out[i, j, k] = x[j, k, i]: out shape [4, 2, 3]
    expect(out3[ravel([3, 1, 2], [4, 2, 3])]).toBe(ravel([1, 2, 3], [2, 3, 4]));
  });

  it('handles scalars, identity perms, int32 and empty shapes', () => {
    const s = new Float32Array(1);
    transpose(Float32Array.from([7]), [], [], s);
    expect(Array.from(s)).toEqual([7]);
    const id = new Int32Array(6);
    transpose(Int32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], [0, 1], id);
    expect(Array.from(id)).toEqual([1, 2, 3, 4, 5, 6]);
    transpose(new Float32Array(0), [0, 3], [1, 0], new Float32Array(0));
  });

  it('copies long contiguous rows in one piece ([B, T, E] -> [T, B, E]), float32 and int32', () => {
    const [B, T, E] = [3, 4, 40];
    for (const make of [(n: number) => iota(n), (n: number) => Int32Array.from(iota(n))]) {
      const x = make(B * T * E);
      const out = make(B * T * E).fill(-1);
      transpose(x, [B, T, E], [1, 0, 2], out);
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let e = 0; e < E; e++) expect(out[(t * B + b) * E + e]).toBe(x[(b * T + t) * E + e]);
    }
  });

  it('agrees with a naive index map on random shapes and perms', () => {
    const next = mulberry32(8);
    for (let trial = 0; trial < 100; trial++) {
      const shape = randomShape(next);
      const perm = shape.map((_, i) => i).sort(() => next() - 0.5);
      const outShape = perm.map((p) => shape[p]!);
      const x = iota(sizeOf(shape));
      const out = new Float32Array(x.length);
      transpose(x, shape, perm, out);
      const want = new Float32Array(x.length);
      for (let i = 0; i < want.length; i++) {
        const oc = unravel(i, outShape);
        const xc = new Array<number>(shape.length);
        perm.forEach((p, k) => (xc[p] = oc[k]!));
        want[i] = x[ravel(xc, shape)]!;
      }
      expect(out, `${JSON.stringify(shape)} ${JSON.stringify(perm)}`).toEqual(want);
    }
  });
});

describe('slice', () => {
  it('cuts a hand-checked block', () => {
    const out = new Float32Array(4);
    slice(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], [0, 1], [2, 2], out);
    expect(Array.from(out)).toEqual([2, 3, 5, 6]);
  });

  it('handles scalars and empty sizes', () => {
    const s = new Float32Array(1);
    slice(Float32Array.from([9]), [], [], [], s);
    expect(Array.from(s)).toEqual([9]);
    slice(iota(6), [2, 3], [1, 3], [1, 0], new Float32Array(0));
  });

  it('agrees with a naive index map on random blocks', () => {
    const next = mulberry32(9);
    for (let trial = 0; trial < 100; trial++) {
      const shape = randomShape(next);
      const begin = shape.map((d) => Math.floor(next() * (d + 1)));
      const size = shape.map((d, i) => Math.floor(next() * (d - begin[i]! + 1)));
      const x = iota(sizeOf(shape));
      const out = new Float32Array(sizeOf(size));
      slice(x, shape, begin, size, out);
      const want = Float32Array.from({ length: out.length }, (_, i) => x[ravel(unravel(i, size).map((c, k) => c + begin[k]!), shape)]!);
      expect(out, `${JSON.stringify({ shape, begin, size })}`).toEqual(want);
    }
  });
});

describe('concat', () => {
  it('joins along the first and last axis', () => {
    const a = Float32Array.from([1, 2, 3, 4]); // [2, 2]
    const b = Float32Array.from([5, 6]); // [1, 2] or [2, 1]
    const rows = new Float32Array(6);
    concat([a, b], [[2, 2], [1, 2]], 0, rows);
    expect(Array.from(rows)).toEqual([1, 2, 3, 4, 5, 6]);
    const cols = new Float32Array(6);
    concat([a, b], [[2, 2], [2, 1]], 1, cols);
    expect(Array.from(cols)).toEqual([1, 2, 5, 3, 4, 6]);
  });

  it('skips empty inputs and handles an empty result', () => {
    const out = new Int32Array(3);
    concat([Int32Array.from([1]), new Int32Array(0), Int32Array.from([2, 3])], [[1], [0], [2]], 0, out);
    expect(Array.from(out)).toEqual([1, 2, 3]);
    concat([new Float32Array(0), new Float32Array(0)], [[0, 2], [0, 3]], 1, new Float32Array(0));
  });

  it('agrees with a naive index map on random shapes', () => {
    const next = mulberry32(10);
    for (let trial = 0; trial < 60; trial++) {
      const base = randomShape(next, 3);
      if (base.length === 0) base.push(2);
      const axis = Math.floor(next() * base.length);
      const shapes = Array.from({ length: 1 + Math.floor(next() * 3) }, () => base.map((d, i) => (i === axis ? Math.floor(next() * 3) : d)));
      let start = 0;
      const xs = shapes.map((s) => {
        const x = Float32Array.from({ length: sizeOf(s) }, (_, i) => start + i);
        start += x.length;
        return x;
      });
      const outShape = [...base];
      outShape[axis] = shapes.reduce((s, sh) => s + sh[axis]!, 0);
      const out = new Float32Array(sizeOf(outShape));
      concat(xs, shapes, axis, out);
      const want = Float32Array.from({ length: out.length }, (_, i) => {
        const c = unravel(i, outShape);
        let t = 0;
        while (c[axis]! >= shapes[t]![axis]!) c[axis]! -= shapes[t++]![axis]!;
        return xs[t]![ravel(c, shapes[t]!)]!;
      });
      expect(out, `${JSON.stringify({ shapes, axis })}`).toEqual(want);
    }
  });
});

describe('pad', () => {
  it('pads a hand-checked vector and matrix', () => {
    const v = new Float32Array(3);
    pad(Float32Array.from([1, 2]), [2], [[1, 0]], 0, v);
    expect(Array.from(v)).toEqual([0, 1, 2]);
    const m = new Float32Array(12);
    pad(Float32Array.from([1, 2, 3, 4]), [2, 2], [[1, 0], [1, 1]], -1, m);
    expect(Array.from(m)).toEqual([-1, -1, -1, -1, -1, 1, 2, -1, -1, 3, 4, -1]);
  });

  it('pads scalars (no dimensions) and empty tensors', () => {
    const s = new Float32Array(1);
    pad(Float32Array.from([5]), [], [], 7, s);
    expect(Array.from(s)).toEqual([5]);
    const e = new Int32Array(4);
    pad(new Int32Array(0), [0, 2], [[1, 1], [0, 0]], 3, e);
    expect(Array.from(e)).toEqual([3, 3, 3, 3]);
  });

  it('agrees with a naive index map on random paddings', () => {
    const next = mulberry32(11);
    for (let trial = 0; trial < 80; trial++) {
      const shape = randomShape(next, 3);
      const paddings = shape.map(() => [Math.floor(next() * 3), Math.floor(next() * 3)] as const);
      const outShape = shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
      const x = Float32Array.from({ length: sizeOf(shape) }, (_, i) => i + 1);
      const out = new Float32Array(sizeOf(outShape));
      pad(x, shape, paddings, -5, out);
      const want = Float32Array.from({ length: out.length }, (_, i) => {
        const c = unravel(i, outShape).map((v, k) => v - paddings[k]![0]);
        return c.every((v, k) => v >= 0 && v < shape[k]!) ? x[ravel(c, shape)]! : -5;
      });
      expect(out, `${JSON.stringify({ shape, paddings })}`).toEqual(want);
    }
  });
});

describe('cast', () => {
  it('float32 -> int32 truncates toward zero, maps NaN to 0 and clamps', () => {
    const x = Float32Array.from([1.7, -1.7, 0.5, -0.5, NaN, Infinity, -Infinity, 3e9, -3e9, 2147483520, -2147483648]);
    const out = new Int32Array(x.length);
    cast(x, out);
    expect(Array.from(out)).toEqual([1, -1, 0, 0, 0, 2147483647, -2147483648, 2147483647, -2147483648, 2147483520, -2147483648]);
  });

  it('int32 -> float32 converts exactly within 2^24; same-dtype casts copy', () => {
    const x = Int32Array.from([0, -5, 16777216, -16777216]);
    const f = new Float32Array(4);
    cast(x, f);
    expect(Array.from(f)).toEqual([0, -5, 16777216, -16777216]);
    const i = new Int32Array(4);
    cast(x, i);
    expect(Array.from(i)).toEqual(Array.from(x));
    const g = new Float32Array(2);
    cast(Float32Array.from([NaN, 1.5]), g);
    expect(Array.from(g)).toEqual([NaN, 1.5]);
  });
});
