import { describe, expect, it } from 'vitest';
import { closeness, expectClose } from './expect-close.js';

describe('expectClose', () => {
  it('passes for identical and near values', () => {
    expect(() => expectClose([1, 2, 3], [1, 2, 3], {})).not.toThrow();
    expect(() => expectClose(new Float32Array([1.000001]), [1], { atol: 1e-5 })).not.toThrow();
    expect(() => expectClose([100.001], [100], { rtol: 1e-4 })).not.toThrow();
    expect(() => expectClose([], [], {})).not.toThrow();
  });

  it('combines atol and rtol as |a - e| <= atol + rtol * |e|', () => {
    // err 0.5 <= 0.25 + (1/32) * 8 (all exact in binary)
    expect(() => expectClose([8.5], [8], { atol: 0.25, rtol: 1 / 32 })).not.toThrow();
    expect(() => expectClose([7.5], [8], { atol: 0.25, rtol: 1 / 32 })).not.toThrow();
    expect(() => expectClose([8.5625], [8], { atol: 0.25, rtol: 1 / 32 })).toThrow();
  });

  it('matches NaN with NaN and infinities with the same infinity', () => {
    expect(() => expectClose([NaN, Infinity, -Infinity], [NaN, Infinity, -Infinity], {})).not.toThrow();
    expect(() => expectClose([NaN], [0], { atol: 1 })).toThrow(/flat index 0/);
    expect(() => expectClose([0], [NaN], { atol: 1 })).toThrow(/not close/);
    expect(() => expectClose([Infinity], [-Infinity], { atol: 1 })).toThrow();
    expect(() => expectClose([Infinity], [3e38], { rtol: 1 })).toThrow();
    expect(() => expectClose([3e38], [Infinity], { rtol: 1 })).toThrow();
    expect(() => expectClose([NaN], [Infinity], {})).toThrow();
  });

  it('treats 0 and -0 as equal', () => {
    expect(() => expectClose([-0], [0], {})).not.toThrow();
  });

  it('fails on a length mismatch', () => {
    expect(() => expectClose([1, 2], [1, 2, 3], { label: 'lens' })).toThrow(/lens: length mismatch: actual has 2 elements, expected 3/);
  });

  it('reports label, max abs error, max rel error and the worst flat index', () => {
    let message = '';
    try {
      expectClose([1, 2.5, 3, 4.01], [1, 2, 3, 4], { atol: 0.1, label: 'my op' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('my op');
    expect(message).toContain('max abs error 0.5');
    expect(message).toContain('max rel error 0.25');
    expect(message).toContain('worst at flat index 1');
    expect(message).toContain('actual 2.5, expected 2');
  });

  it('throws a plain Error', () => {
    expect(() => expectClose([1], [2], {})).toThrow(Error);
  });
});

describe('closeness', () => {
  it('returns the statistics', () => {
    const stats = closeness([1, 2.5, 3, 4.2], [1, 2, 3, 4], { atol: 0.3 });
    expect(stats.pass).toBe(false);
    expect(stats.maxAbsError).toBeCloseTo(0.5, 12);
    expect(stats.maxRelError).toBeCloseTo(0.25, 12);
    expect(stats.worstIndex).toBe(1);
    expect(stats.mismatches).toBe(1);
    expect(stats.firstMismatch).toBe(1);
    expect(stats.length).toBe(4);
    expect(stats.expectedLength).toBe(4);
  });

  it('ranks a NaN or infinity mismatch as the worst element', () => {
    const stats = closeness([1.5, NaN, 7], [1, 2, 3], { atol: 0 });
    expect(stats.worstIndex).toBe(1);
    expect(stats.mismatches).toBe(3);
    expect(stats.firstMismatch).toBe(0);
  });

  it('picks the worst element by excess over the tolerance, not by absolute error', () => {
    // index 0: err 1 at |e| = 1000 (rtol allows 1); index 1: err 0.5 at |e| = 1 (allows 0.001)
    const stats = closeness([1001, 1.5], [1000, 1], { rtol: 1e-3 });
    expect(stats.worstIndex).toBe(1);
    expect(stats.mismatches).toBe(1);
  });

  it('passes on empty input with worstIndex -1', () => {
    const stats = closeness([], [], {});
    expect(stats).toMatchObject({ pass: true, worstIndex: -1, mismatches: 0, maxAbsError: 0, maxRelError: 0 });
  });

  it('accepts typed arrays of different kinds', () => {
    expect(closeness(new Int32Array([1, 2]), new Float64Array([1, 2]), {}).pass).toBe(true);
  });
});
