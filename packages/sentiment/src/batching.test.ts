import { describe, expect, it } from 'vitest';
import { sortedBatches } from './batching.js';

describe('sortedBatches', () => {
  it('covers every index once, batches in order of length, each batch longest first', () => {
    const lengths = [5, 1, 9, 3, 3, 7, 2, 8, 1, 4, 6];
    const batches = sortedBatches(lengths, 4);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 3]);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const batch of batches) for (let k = 1; k < batch.length; k++) expect(lengths[batch[k]!]).toBeLessThanOrEqual(lengths[batch[k - 1]!]!);
    // The shortest texts share the first batch, the longest the last (least padding).
    for (let b = 1; b < batches.length; b++) expect(Math.min(...batches[b]!.map((i) => lengths[i]!))).toBeGreaterThanOrEqual(Math.max(...batches[b - 1]!.map((i) => lengths[i]!)));
    expect(sortedBatches([], 4)).toEqual([]);
  });
});
