import { describe, expect, it } from 'vitest';
import { Rng } from '../shared/random.js';
import { addingBatch, TRIVIAL_MSE } from './data.js';

describe('adding-problem data', () => {
  const T = 100;
  const B = 200;
  const batch = addingBatch(T, B, new Rng(3));
  const at = (t: number, b: number, channel: 0 | 1) => batch.x[(t * B + b) * 2 + channel]!;

  it('has values in [0, 1) and exactly two markers, one in each half', () => {
    const problems: string[] = [];
    for (let b = 0; b < B; b++) {
      const marked: number[] = [];
      for (let t = 0; t < T; t++) {
        const v = at(t, b, 0);
        const m = at(t, b, 1);
        if (!(v >= 0 && v < 1)) problems.push(`value ${v} at (${t}, ${b})`);
        if (m !== 0 && m !== 1) problems.push(`marker ${m} at (${t}, ${b})`);
        if (m === 1) marked.push(t);
      }
      if (marked.length !== 2 || !(marked[0]! < T / 2) || !(marked[1]! >= T / 2)) problems.push(`markers at ${marked} in sequence ${b}`);
      if (marked.join() !== batch.markers[b]!.join()) problems.push(`markers ${batch.markers[b]} reported for sequence ${b}, found ${marked}`);
    }
    expect(problems).toEqual([]);
  });

  it('targets the sum of the two marked values', () => {
    for (let b = 0; b < B; b++) {
      const sum = [...Array(T).keys()].reduce((s, t) => s + at(t, b, 0) * at(t, b, 1), 0);
      expect(batch.y[b]).toBeCloseTo(sum, 6);
    }
  });

  it('makes always-predict-1 score about 1/6', () => {
    const big = addingBatch(20, 20_000, new Rng(4));
    const mse = big.y.reduce((s, y) => s + (y - 1) ** 2, 0) / big.B;
    expect(TRIVIAL_MSE).toBeCloseTo(0.1667, 4);
    expect(mse).toBeGreaterThan(0.16);
    expect(mse).toBeLessThan(0.173);
  });

  it('puts the markers anywhere in their half', () => {
    const big = addingBatch(10, 2000, new Rng(5));
    expect(new Set(big.markers.map(([a]) => a))).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(new Set(big.markers.map(([, b]) => b))).toEqual(new Set([5, 6, 7, 8, 9]));
  });

  it('is deterministic for a seed', () => {
    expect(addingBatch(T, 4, new Rng(9))).toEqual(addingBatch(T, 4, new Rng(9)));
    expect(addingBatch(T, 4, new Rng(9)).x).not.toEqual(addingBatch(T, 4, new Rng(10)).x);
  });
});
