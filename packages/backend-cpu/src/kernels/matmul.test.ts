import { broadcastShapes, sizeOf, stridesOf, type Shape } from '@cellstate/tensor';
import { mulberry32 } from '@cellstate/tensor/testing';
import { describe, expect, it } from 'vitest';
import { gemmNT, matmul, transposeMatrix } from './matmul.js';

function outShapeOf(aShape: Shape, bShape: Shape, tA: boolean, tB: boolean): number[] {
  const m = tA ? aShape.at(-1)! : aShape.at(-2)!;
  const n = tB ? bShape.at(-2)! : bShape.at(-1)!;
  return [...broadcastShapes('t', aShape.slice(0, -2), bShape.slice(0, -2)), m, n];
}

function run(a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, tA = false, tB = false): Float32Array {
  const shape = outShapeOf(aShape, bShape, tA, tB);
  const out = new Float32Array(sizeOf(shape)).fill(NaN); // the kernel must overwrite everything
  matmul(a, aShape, b, bShape, tA, tB, out, shape);
  return out;
}

/** Materialises the transpose of the last two dimensions. */
function transposeLast(x: Float32Array, shape: Shape): { data: Float32Array; shape: number[] } {
  const r = shape.length;
  const rows = shape[r - 2]!;
  const cols = shape[r - 1]!;
  const out = new Float32Array(x.length);
  for (let t = 0; t < x.length / (rows * cols || 1); t++) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[t * rows * cols + j * rows + i] = x[t * rows * cols + i * cols + j]!;
  }
  return { data: out, shape: [...shape.slice(0, -2), cols, rows] };
}

/** Triple loop on explicitly transposed operands, float64 sums, batch index by unravelling. */
function naive(a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, tA: boolean, tB: boolean): Float32Array {
  const A = tA ? transposeLast(a, aShape) : { data: a, shape: [...aShape] };
  const B = tB ? transposeLast(b, bShape) : { data: b, shape: [...bShape] };
  const m = A.shape.at(-2)!;
  const k = A.shape.at(-1)!;
  const n = B.shape.at(-1)!;
  const batch = broadcastShapes('t', A.shape.slice(0, -2), B.shape.slice(0, -2));
  const batchStrides = stridesOf(batch);
  const matrixIndex = (shape: number[], t: number): number => {
    const own = shape.slice(0, -2);
    let index = 0;
    let stride = 1;
    for (let d = own.length - 1; d >= 0; d--) {
      const o = batch.length - own.length + d;
      const coord = Math.floor(t / batchStrides[o]!) % batch[o]!;
      index += (own[d] === 1 ? 0 : coord) * stride;
      stride *= own[d]!;
    }
    return index;
  };
  const out = new Float32Array(sizeOf(batch) * m * n);
  for (let t = 0; t < sizeOf(batch); t++) {
    const ao = matrixIndex(A.shape, t) * m * k;
    const bo = matrixIndex(B.shape, t) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A.data[ao + i * k + p]! * B.data[bo + p * n + j]!;
        out[t * m * n + i * n + j] = s;
      }
    }
  }
  return out;
}

describe('matmul', () => {
  it('multiplies hand-checked 2x2 and 2x3 x 3x1 matrices', () => {
    expect(Array.from(run(Float32Array.from([1, 2, 3, 4]), [2, 2], Float32Array.from([5, 6, 7, 8]), [2, 2]))).toEqual([19, 22, 43, 50]);
    expect(Array.from(run(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], Float32Array.from([1, 0, -1]), [3, 1]))).toEqual([-2, -2]);
  });

  it('reads transposed operands without materialising them', () => {
    const a = Float32Array.from([1, 2, 3, 4]); // [[1, 2], [3, 4]]
    const b = Float32Array.from([5, 6, 7, 8]); // [[5, 6], [7, 8]]
    expect(Array.from(run(a, [2, 2], b, [2, 2], true, false))).toEqual([26, 30, 38, 44]); // aT b
    expect(Array.from(run(a, [2, 2], b, [2, 2], false, true))).toEqual([17, 23, 39, 53]); // a bT
    expect(Array.from(run(a, [2, 2], b, [2, 2], true, true))).toEqual([23, 31, 34, 46]); // aT bT
  });

  it('gives zeros for K = 0 and nothing for M = 0 or N = 0', () => {
    expect(Array.from(run(new Float32Array(0), [2, 0], new Float32Array(0), [0, 3]))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(run(new Float32Array(0), [0, 2], new Float32Array(0), [3, 0], true, true))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(run(new Float32Array(0), [0, 3], new Float32Array(6), [3, 2]).length).toBe(0);
    expect(run(new Float32Array(6), [2, 3], new Float32Array(0), [3, 0]).length).toBe(0);
    expect(run(new Float32Array(0), [0, 2, 3], new Float32Array(6), [3, 2]).length).toBe(0);
  });

  it('propagates NaN and Inf like the triple loop (no zero-skipping)', () => {
    const out = run(Float32Array.from([0, 1]), [1, 2], Float32Array.from([NaN, Infinity]), [2, 1]);
    expect(Array.from(out)).toEqual([NaN]);
  });

  it('broadcasts batch dimensions', () => {
    // a [2, 1, 2] (two row vectors), b [2, 1] shared -> [2, 1, 1]
    expect(Array.from(run(Float32Array.from([1, 2, 3, 4]), [2, 1, 2], Float32Array.from([1, 10]), [2, 1]))).toEqual([21, 43]);
  });

  it('agrees with a naive triple loop on random shapes, batches and transpose flags', () => {
    const next = mulberry32(6);
    const dim = (): number => Math.floor(next() * 6) + (next() < 0.1 ? 0 : 1);
    for (let trial = 0; trial < 150; trial++) {
      const m = dim();
      const k = dim();
      const n = dim();
      const tA = next() < 0.5;
      const tB = next() < 0.5;
      const batchRank = Math.floor(next() * 3);
      const batch = Array.from({ length: batchRank }, () => 1 + Math.floor(next() * 3));
      const aBatch = batch.slice(Math.floor(next() * (batchRank + 1))).map((d) => (next() < 0.3 ? 1 : d));
      const bBatch = batch.slice(Math.floor(next() * (batchRank + 1))).map((d) => (next() < 0.3 ? 1 : d));
      const aShape = [...aBatch, ...(tA ? [k, m] : [m, k])];
      const bShape = [...bBatch, ...(tB ? [n, k] : [k, n])];
      const a = Float32Array.from({ length: sizeOf(aShape) }, () => next() * 2 - 1);
      const b = Float32Array.from({ length: sizeOf(bShape) }, () => next() * 2 - 1);
      const got = run(a, aShape, b, bShape, tA, tB);
      const want = naive(a, aShape, b, bShape, tA, tB);
      expect(got.length).toBe(want.length);
      for (let i = 0; i < got.length; i++) {
        expect(Math.abs(got[i]! - want[i]!), `${JSON.stringify({ aShape, bShape, tA, tB })} at ${i}`).toBeLessThan(1e-5);
      }
    }
  });

  it('handles a larger product (64 x 96 x 80) against the naive loop', () => {
    const next = mulberry32(7);
    const a = Float32Array.from({ length: 64 * 96 }, () => next() - 0.5);
    const b = Float32Array.from({ length: 96 * 80 }, () => next() - 0.5);
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const aShape = tA ? [96, 64] : [64, 96];
      const bShape = tB ? [80, 96] : [96, 80];
      const got = run(a, aShape, b, bShape, tA, tB);
      const want = naive(a, aShape, b, bShape, tA, tB);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-5);
    }
  });
});

describe('gemmNT (blocked a · bᵀ for the fused kernels)', () => {
  /** Plain triple loop of the same contract: strided operands, accumulate, bias. */
  function plain(m: number, n: number, k: number, a: Float32Array, ao: number, lda: number, b: Float32Array, bo: number, ldb: number, out: Float32Array, oo: number, ldo: number, accumulate: boolean, bias: Float32Array | null): void {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[ao + i * lda + p]! * b[bo + j * ldb + p]!;
        if (bias) s += bias[j]!;
        if (accumulate) s += out[oo + i * ldo + j]!;
        out[oo + i * ldo + j] = s;
      }
    }
  }

  it('agrees with the triple loop on every tail shape, with offsets, strides, accumulate and bias', () => {
    const next = mulberry32(11);
    for (let trial = 0; trial < 300; trial++) {
      const m = Math.floor(next() * 10);
      const n = Math.floor(next() * 10);
      const k = Math.floor(next() * 9);
      const lda = k + Math.floor(next() * 3);
      const ldb = k + Math.floor(next() * 3);
      const ldo = n + Math.floor(next() * 3);
      const ao = Math.floor(next() * 4);
      const bo = Math.floor(next() * 4);
      const oo = Math.floor(next() * 4);
      const accumulate = next() < 0.5;
      const a = Float32Array.from({ length: ao + m * lda + 3 }, () => next() * 2 - 1);
      const b = Float32Array.from({ length: bo + n * ldb + 3 }, () => next() * 2 - 1);
      const bias = next() < 0.5 ? Float32Array.from({ length: n }, () => next() * 2 - 1) : null;
      const start = Float32Array.from({ length: oo + m * ldo + 3 }, () => next() * 2 - 1);
      const got = start.slice();
      const want = start.slice();
      gemmNT(m, n, k, a, ao, lda, b, bo, ldb, got, oo, ldo, accumulate, bias);
      plain(m, n, k, a, ao, lda, b, bo, ldb, want, oo, ldo, accumulate, bias);
      const label = JSON.stringify({ m, n, k, lda, ldb, ldo, ao, bo, oo, accumulate, bias: bias !== null });
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!), `${label} at ${i}`).toBeLessThan(1e-5);
    }
  });

  it('agrees with matmul(transposeB) on a larger product (37 x 70 x 129)', () => {
    const next = mulberry32(12);
    const [m, n, k] = [37, 70, 129];
    const a = Float32Array.from({ length: m * k }, () => next() - 0.5);
    const b = Float32Array.from({ length: n * k }, () => next() - 0.5);
    const got = new Float32Array(m * n).fill(NaN);
    gemmNT(m, n, k, a, 0, k, b, 0, k, got, 0, n, false, null);
    const want = run(a, [m, k], b, [n, k], false, true);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
  });

  it('propagates NaN and Inf (no zero-skipping)', () => {
    const out = new Float32Array(1);
    gemmNT(1, 1, 2, Float32Array.from([0, 1]), 0, 2, Float32Array.from([NaN, Infinity]), 0, 2, out, 0, 1, false, null);
    expect(Array.from(out)).toEqual([NaN]);
  });

  it('transposeMatrix transposes across tile edges and honours the offset', () => {
    for (const [rows, cols] of [[0, 3], [1, 1], [3, 5], [33, 65], [70, 2]] as const) {
      const x = Float32Array.from({ length: 2 + rows * cols }, (_, i) => i);
      const out = new Float32Array(rows * cols).fill(NaN);
      transposeMatrix(x, 2, rows, cols, out);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(out[c * rows + r]).toBe(x[2 + r * cols + c]);
    }
  });
});
