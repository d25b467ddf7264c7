import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, memory, type Tensor } from '@cellstate/tensor';
import { calculateFans, calculateGain, normal, orthogonal, orthonormalFactor, pytorchUniform, uniform, xavierNormal, xavierUniform } from './init.js';
import { normalValues } from './host-random.js';
import { useReferenceBackend } from './test-setup.js';

function values(t: Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

function stats(v: number[]): { mean: number; std: number; min: number; max: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
}

/** M [r, c] row-major -> MᵀM [c, c]. */
function gram(m: ArrayLike<number>, r: number, c: number): number[] {
  const out = new Array<number>(c * c).fill(0);
  for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) for (let k = 0; k < r; k++) out[i * c + j]! += m[k * c + i]! * m[k * c + j]!;
  return out;
}

function expectIdentity(g: number[], n: number, scale: number, tol: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(g[i * n + j]! - (i === j ? scale : 0))).toBeLessThan(tol);
}

describe('init', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });

  it('uniform stays in [low, high), is deterministic per seed and differs across seeds', () => {
    const a = values(uniform([100, 50], -2, 3, 5));
    const s = stats(a);
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThan(3);
    expect(Math.abs(s.mean - 0.5)).toBeLessThan(0.05);
    expect(values(uniform([100, 50], -2, 3, 5))).toEqual(a);
    expect(values(uniform([100, 50], -2, 3, 6))).not.toEqual(a);
    expect(() => uniform([2], 1, 0, 1)).toThrow(ArgumentError);
  });

  it('pytorchUniform draws from U(±1/√H)', () => {
    const s = stats(values(pytorchUniform([64, 16], 16, 1)));
    expect(s.min).toBeGreaterThanOrEqual(-0.25);
    expect(s.max).toBeLessThan(0.25);
    expect(s.max).toBeGreaterThan(0.24);
    expect(s.min).toBeLessThan(-0.24);
    expect(() => pytorchUniform([2], 0, 1)).toThrow(ArgumentError);
  });

  it('normal has the requested mean and std and matches the host generator', () => {
    const v = values(normal([200, 100], 1, 0.5, 9));
    const s = stats(v);
    expect(Math.abs(s.mean - 1)).toBeLessThan(0.01);
    expect(Math.abs(s.std - 0.5)).toBeLessThan(0.01);
    expect(v.slice(0, 4)).toEqual(Array.from(Float32Array.from(normalValues(9, 4, 1, 0.5))));
    expect(() => normal([2], 0, -1, 1)).toThrow(ArgumentError);
  });

  it('calculateFans follows PyTorch (receptive field for rank > 2)', () => {
    expect(calculateFans([8, 3])).toEqual({ fanIn: 3, fanOut: 8 });
    expect(calculateFans([8, 3, 2, 5])).toEqual({ fanIn: 30, fanOut: 80 });
    expect(() => calculateFans([5])).toThrow(ShapeError);
  });

  it('calculateGain matches torch.nn.init.calculate_gain', () => {
    expect(calculateGain('linear')).toBe(1);
    expect(calculateGain('sigmoid')).toBe(1);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(calculateGain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
  });

  it('xavierUniform bound is gain·√(6 / (fanIn + fanOut)); xavierNormal std is gain·√(2 / (fanIn + fanOut))', () => {
    const bound = 2 * Math.sqrt(6 / (300 + 200));
    const u = stats(values(xavierUniform([200, 300], 2, 3)));
    expect(u.max).toBeLessThan(bound);
    expect(u.min).toBeGreaterThanOrEqual(-bound);
    expect(u.max).toBeGreaterThan(bound * 0.99);
    const n = stats(values(xavierNormal([200, 300], 2, 4)));
    expect(Math.abs(n.std / (2 * Math.sqrt(2 / 500)) - 1)).toBeLessThan(0.02);
    expect(Math.abs(n.mean)).toBeLessThan(0.01);
  });

  it('orthogonal (tall): QᵀQ = gain²·I', () => {
    const q = values(orthogonal([12, 5], 1.5, 1));
    expectIdentity(gram(q, 12, 5), 5, 2.25, 1e-5);
  });

  it('orthogonal (wide): QQᵀ = I; rank > 2 is viewed as [shape[0], rest]', () => {
    const wide = values(orthogonal([4, 10], 1, 2));
    // QQᵀ = gram of Qᵀ.
    const transposed = Array.from({ length: 40 }, (_, k) => wide[(k % 4) * 10 + Math.floor(k / 4)]!);
    expectIdentity(gram(transposed, 10, 4), 4, 1, 1e-5);
    const conv = orthogonal([6, 2, 3], 1, 3);
    expect(conv.shape).toEqual([6, 2, 3]);
    expectIdentity(gram(values(conv), 6, 6), 6, 1, 1e-5);
  });

  it('orthogonal is deterministic per seed', () => {
    expect(values(orthogonal([6, 4], 1, 8))).toEqual(values(orthogonal([6, 4], 1, 8)));
    expect(values(orthogonal([6, 4], 1, 8))).not.toEqual(values(orthogonal([6, 4], 1, 9)));
    expect(() => orthogonal([3], 1, 1)).toThrow(ShapeError);
  });

  it('orthonormalFactor gives A = QR with R upper triangular and diag(R) > 0 (PyTorch sign rule)', () => {
    const m = 7;
    const n = 4;
    const a = normalValues(5, m * n);
    const q = orthonormalFactor(a, m, n);
    // R = QᵀA
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let r = 0;
        for (let k = 0; k < m; k++) r += q[k * n + i]! * a[k * n + j]!;
        if (i > j) expect(Math.abs(r)).toBeLessThan(1e-12);
        if (i === j) expect(r).toBeGreaterThan(0);
      }
    }
    // Q Qᵀ A = A (A lies in the span of Q's columns).
    for (let k = 0; k < m; k++) {
      for (let j = 0; j < n; j++) {
        let back = 0;
        for (let i = 0; i < n; i++) {
          let r = 0;
          for (let l = 0; l < m; l++) r += q[l * n + i]! * a[l * n + j]!;
          back += q[k * n + i]! * r;
        }
        expect(Math.abs(back - a[k * n + j]!)).toBeLessThan(1e-12);
      }
    }
  });

  it('leaves nothing behind but its result', () => {
    const before = memory();
    values(orthogonal([5, 3], 1, 1));
    values(xavierUniform([5, 3], 1, 1));
    values(uniform([5, 3], 0, 2, 1));
    expect(memory()).toMatchObject({ handles: before.handles, tensors: before.tensors });
  });
});
