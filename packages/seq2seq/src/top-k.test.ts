import { describe, expect, it } from 'vitest';
import { topK } from './decode.js';

/** The k best indices by a full stable sort: value descending, index ascending. */
function naive(values: Float32Array, row: number, V: number, k: number): number[] {
  const idx = Array.from({ length: V }, (_, v) => v);
  idx.sort((a, b) => values[row * V + b]! - values[row * V + a]! || a - b);
  return idx.slice(0, k);
}

describe('beam search topK', () => {
  it('equals a stable full sort on rows with many ties, any width and k', () => {
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const V of [1, 3, 4, 5, 8, 13, 64, 1001]) {
      for (const k of [1, 2, 5, 10].filter((k) => k <= V)) {
        for (const levels of [3, 50, 0]) {
          const rows = 3;
          // levels > 0: values from a few levels (many ties); 0: continuous values.
          const values = Float32Array.from({ length: rows * V }, () => (levels ? Math.floor(rand() * levels) - levels / 2 : rand() * 20 - 10));
          for (let r = 0; r < rows; r++) expect(topK(values, r, V, k), `V=${V} k=${k} levels=${levels} row ${r}`).toEqual(naive(values, r, V, k));
        }
      }
    }
  });

  it('keeps the earliest of equal values when a later one ties the k-th', () => {
    const values = Float32Array.from([5, 1, 3, 3, 0, 3, 3, 9, 3]);
    expect(topK(values, 0, 9, 3)).toEqual([7, 0, 2]);
    expect(topK(values, 0, 9, 4)).toEqual([7, 0, 2, 3]);
  });
});
