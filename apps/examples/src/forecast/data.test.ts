import { describe, expect, it } from 'vitest';
import { autocorrelation, fitScaler, meanAbsoluteError, seasonalNaive, seasonalSeries, slidingWindows, splitChronological } from './data.js';

describe('seasonal series', () => {
  const series = seasonalSeries({ months: 240, seed: 7 });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(seasonalSeries({ months: 240, seed: 7 })).toEqual(series);
    expect(seasonalSeries({ months: 240, seed: 8 })).not.toEqual(series);
  });

  it('has a visible 12-month period', () => {
    // After removing the trend, a month resembles the same month a year before and
    // is the opposite of the month half a year away.
    expect(autocorrelation(series, 12)).toBeGreaterThan(0.8);
    expect(autocorrelation(series, 24)).toBeGreaterThan(0.8);
    expect(autocorrelation(series, 6)).toBeLessThan(-0.5);
    for (const lag of [1, 2, 3, 4, 5, 7, 8, 9, 10, 11]) expect(autocorrelation(series, 12)).toBeGreaterThan(autocorrelation(series, lag));
    // Summers (July) are above the winters (January) every year.
    for (let year = 0; year < 20; year++) expect(series[year * 12 + 6]!).toBeGreaterThan(series[year * 12]! + 20);
  });

  it('has an upward trend', () => {
    const yearMean = (y: number) => series.slice(y * 12, y * 12 + 12).reduce((a, b) => a + b, 0) / 12;
    expect(yearMean(19) - yearMean(0)).toBeGreaterThan(0.4 * 12 * 19 * 0.9);
  });
});

describe('preparing the data', () => {
  it('splits chronologically', () => {
    const { train, test } = splitChronological([1, 2, 3, 4, 5], 2);
    expect(train).toEqual([1, 2, 3]);
    expect(test).toEqual([4, 5]);
    expect(() => splitChronological([1, 2], 2)).toThrow(RangeError);
  });

  it('normalises with the given statistics', () => {
    const s = fitScaler([1, 3]);
    expect(s.mean).toBe(2);
    expect(s.std).toBe(1);
    expect(s.normalise(5)).toBe(3);
    expect(s.denormalise(s.normalise(42))).toBeCloseTo(42, 12);
  });

  it('makes sliding windows, optionally restricted to a target range', () => {
    expect(slidingWindows([1, 2, 3, 4, 5], 3)).toEqual([
      { input: [1, 2, 3], target: 4, index: 3 },
      { input: [2, 3, 4], target: 5, index: 4 },
    ]);
    // Test windows: targets in [4, 6), inputs reaching back into the earlier months.
    expect(slidingWindows([1, 2, 3, 4, 5, 6], 2, 4)).toEqual([
      { input: [3, 4], target: 5, index: 4 },
      { input: [4, 5], target: 6, index: 5 },
    ]);
  });

  it('scores the seasonal-naive forecast', () => {
    const s = Array.from({ length: 36 }, (_, i) => i);
    expect(seasonalNaive(s, 30)).toBe(18);
    expect(meanAbsoluteError([1, 2, 3], [2, 2, 1])).toBe(1);
  });
});
