import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError } from '@cellstate/tensor';
import { Dataset, collate } from './dataset.js';
import { Standardizer } from './normalizer.js';
import { timeSeriesSplit, timeSeriesWindows } from './windows.js';
import { useReferenceBackend } from '../test-setup.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('Dataset', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });

  it('map is lazy and sees the index; slice, take, skip, split keep the order', () => {
    let calls = 0;
    const d = Dataset.from([10, 20, 30, 40, 50]).map((v, i) => (calls++, v + i));
    expect(calls).toBe(0);
    expect(d.at(1)).toBe(21);
    expect(d.at(-1)).toBe(54);
    expect(d.slice(1, -1).toArray()).toEqual([21, 32, 43]);
    expect(d.take(2).toArray()).toEqual([10, 21]);
    expect(d.skip(4).toArray()).toEqual([54]);
    const [a, b] = d.split(0.4);
    expect([a.toArray(), b.toArray()]).toEqual([[10, 21, 32], [43, 54]]);
    expect(() => d.at(5)).toThrow(RangeError);
  });

  it('shuffle: a permutation, the same for a seed, different for another', () => {
    const d = Dataset.from(range(50));
    const a = d.shuffle(1).toArray();
    expect([...a].sort((x, y) => x - y)).toEqual(range(50));
    expect(a).not.toEqual(range(50));
    expect(d.shuffle(1).toArray()).toEqual(a);
    expect(d.shuffle(2).toArray()).not.toEqual(a);
    expect(() => d.shuffle(-1)).toThrow(ArgumentError);
  });

  it('batches cover every example once per epoch, reshuffled per epoch, with dropLast', () => {
    const d = Dataset.from(range(10));
    expect([...d.batches({ batchSize: 4 })]).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect([...d.batches({ batchSize: 4, dropLast: true })]).toHaveLength(2);
    const e0 = [...d.batches({ batchSize: 3, shuffleSeed: 5, epoch: 0 })].flat();
    const e1 = [...d.batches({ batchSize: 3, shuffleSeed: 5, epoch: 1 })].flat();
    expect([...e0].sort((x, y) => x - y)).toEqual(range(10));
    expect([...e1].sort((x, y) => x - y)).toEqual(range(10));
    expect(e1).not.toEqual(e0);
    expect([...d.batches({ batchSize: 3, shuffleSeed: 5, epoch: 1 })].flat()).toEqual(e1);
  });

  it('bucketBatches: every example once, batches of similar length, reshuffled per epoch', () => {
    const lengthOf = (i: number) => 1 + ((i * 37) % 23);
    const d = Dataset.from(range(200));
    const e0 = [...d.bucketBatches({ batchSize: 8, length: lengthOf, shuffleSeed: 3, epoch: 0, poolSize: 25 })];
    expect(e0.flat().sort((a, b) => a - b)).toEqual(range(200));
    const spread = (batches: number[][]) => Math.max(...batches.map((b) => Math.max(...b.map(lengthOf)) - Math.min(...b.map(lengthOf))));
    // One pool holds every example here: sorted batches of 8 over 23 lengths spread by at most 1.
    expect(spread(e0)).toBeLessThanOrEqual(1);
    expect(spread([...d.batches({ batchSize: 8, shuffleSeed: 3 })])).toBeGreaterThan(10);
    const e1 = [...d.bucketBatches({ batchSize: 8, length: lengthOf, shuffleSeed: 3, epoch: 1, poolSize: 25 })];
    expect(e1.map((b) => b[0])).not.toEqual(e0.map((b) => b[0]));
    expect([...d.bucketBatches({ batchSize: 8, length: lengthOf, shuffleSeed: 3, epoch: 1, poolSize: 25 })]).toEqual(e1);
    // Batch order is shuffled: not sorted by length.
    const firstLengths = e0.map((b) => lengthOf(b[0]!));
    expect(firstLengths).not.toEqual([...firstLengths].sort((a, b) => a - b));
  });

  it('collate stacks nested arrays, pads sequences and returns their lengths', () => {
    const b = collate([{ x: [[1, 2], [3, 4]], y: [1] }, { x: [[5, 6], [7, 8]], y: [0] }]);
    expect(b.x.shape).toEqual([2, 2, 2]);
    expect(Array.from(b.x.dataSync())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(b.y.shape).toEqual([2, 1]);
    expect(b.lengths).toBeUndefined();
    const p = collate([{ x: [[1], [2], [3]], y: 2 }, { x: [[4]], y: 0 }], { yDtype: 'int32', padValue: -1 });
    expect(p.x.shape).toEqual([2, 3, 1]);
    expect(Array.from(p.x.dataSync())).toEqual([1, 2, 3, 4, -1, -1]);
    expect(p.y.dtype).toBe('int32');
    expect(p.lengths).toEqual([3, 1]);
    expect(() => collate([{ x: [[1, 2]], y: 0 }, { x: [[1]], y: 0 }])).toThrow(ShapeError);
    expect(() => collate([{ x: [1], y: [0] }, { x: [1], y: [0, 1] }])).toThrow(ShapeError);
    for (const t of [b.x, b.y, p.x, p.y]) t.dispose();
  });
});

describe('time series', () => {
  it('windows: lookback, horizon, stride and several features', () => {
    const w = timeSeriesWindows(range(10), { lookback: 3, horizon: 2, stride: 2 });
    expect(w.toArray()).toEqual([
      { x: [[0], [1], [2]], y: [3, 4], index: 3 },
      { x: [[2], [3], [4]], y: [5, 6], index: 5 },
      { x: [[4], [5], [6]], y: [7, 8], index: 7 },
    ]);
    const multi = timeSeriesWindows(range(5).map((t) => [t, 10 * t]), { lookback: 2, targets: [1] });
    expect(multi.at(0)).toEqual({ x: [[0, 0], [1, 10]], y: [20], index: 2 });
    expect(() => timeSeriesWindows(range(5), { lookback: 0 })).toThrow(ArgumentError);
  });

  it('split by time: periods in order, targets inside their period, scaler from training only', () => {
    const series = range(100).map((t) => t * 2);
    const s = timeSeriesSplit(series, { lookback: 5, validation: 0.2, test: 10 });
    expect([s.validationStart, s.testStart]).toEqual([70, 90]);
    const idx = (d: typeof s.train) => d.toArray().map((w) => w.index);
    expect(idx(s.train)).toEqual(range(65).map((i) => i + 5));
    expect(idx(s.validation)).toEqual(range(20).map((i) => i + 70));
    expect(idx(s.test)).toEqual(range(10).map((i) => i + 90));
    // Training statistics only: the mean of 0, 2, ..., 138.
    expect(s.scaler.mean[0]).toBeCloseTo(69, 12);
    const firstTest = s.test.at(0);
    expect(s.scaler.inverse(firstTest.y)).toEqual([180]);
    expect(s.scaler.inverse(firstTest.x.flat())[0]).toBeCloseTo(170, 10);
    const h2 = timeSeriesSplit(series, { lookback: 5, horizon: 3, validation: 20, test: 10 });
    expect(h2.validation.toArray().every((w) => w.index + 3 <= 90)).toBe(true);
    expect(() => timeSeriesSplit(range(10), { lookback: 8 })).toThrow(ArgumentError);
  });

  it('Standardizer: per feature, no NaN for a constant feature, inverse undoes transform', () => {
    const s = Standardizer.fit([[1, 5], [3, 5]]);
    expect(s.mean).toEqual([2, 5]);
    expect(s.std).toEqual([1, 1]);
    expect(s.transform([[3, 5]])).toEqual([[1, 0]]);
    const flat = Standardizer.fit([2, 4, 6, 8]);
    const z = flat.transform([5, 9]);
    expect(z[0]).toBeCloseTo((5 - 5) / Math.sqrt(5), 12);
    expect(flat.inverse(z)).toEqual([5, 9]);
    expect(flat.inverse(new Float32Array([0]))).toEqual([5]);
  });
});
