import { describe, expect, it } from 'vitest';
import {
  accuracy,
  argmaxRows,
  classificationScores,
  confusionMatrix,
  f1Score,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  precision,
  recall,
  rootMeanSquaredError,
} from './metrics.js';

function randomLabels(n: number, classes: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => (s = (s * 16807) % 2147483647) % classes);
}

/** Per-class counts by filtering, the textbook definitions (scikit-learn zero_division=0). */
function naiveScores(yTrue: number[], yPred: number[], classes: number) {
  const per = Array.from({ length: classes }, (_, c) => {
    const tp = yTrue.filter((t, i) => t === c && yPred[i] === c).length;
    const fp = yTrue.filter((t, i) => t !== c && yPred[i] === c).length;
    const fn = yTrue.filter((t, i) => t === c && yPred[i] !== c).length;
    const p = tp + fp ? tp / (tp + fp) : 0;
    const r = tp + fn ? tp / (tp + fn) : 0;
    return { p, r, f1: p + r ? (2 * p * r) / (p + r) : 0 };
  });
  const mean = (k: 'p' | 'r' | 'f1') => per.reduce((a, x) => a + x[k], 0) / classes;
  return { precision: mean('p'), recall: mean('r'), f1: mean('f1') };
}

describe('regression metrics', () => {
  const yTrue = [3, -0.5, 2, 7, 0];
  const yPred = [2.5, 0, 2, 8, 0.5];

  it('match hand-computed values (scikit-learn docs example for the first four)', () => {
    // sklearn: mean_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.5, MSE = 0.375
    expect(meanAbsoluteError(yTrue.slice(0, 4), yPred.slice(0, 4))).toBeCloseTo(0.5, 12);
    expect(meanSquaredError(yTrue.slice(0, 4), yPred.slice(0, 4))).toBeCloseTo(0.375, 12);
    expect(rootMeanSquaredError(yTrue.slice(0, 4), yPred.slice(0, 4))).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(meanAbsoluteError(yTrue, yPred)).toBeCloseTo((0.5 + 0.5 + 0 + 1 + 0.5) / 5, 12);
  });

  it('MAPE skips zero targets and is in percent', () => {
    expect(meanAbsolutePercentageError([100, 200], [110, 180])).toBeCloseTo(10, 12);
    expect(meanAbsolutePercentageError(yTrue, yPred)).toBeCloseTo((100 * (0.5 / 3 + 0.5 / 0.5 + 0 + 1 / 7)) / 4, 10);
    expect(meanAbsolutePercentageError([0], [1])).toBeNaN();
  });

  it('reject arrays of different lengths', () => {
    expect(() => meanAbsoluteError([1], [1, 2])).toThrow(RangeError);
  });
});

describe('classification metrics', () => {
  it('match the textbook definitions on random labels, including a class never predicted', () => {
    for (const seed of [1, 2, 3, 4]) {
      const yTrue = randomLabels(60, 4, seed);
      const yPred = randomLabels(60, 4, seed + 100).map((p) => (p === 3 ? 0 : p)); // class 3 never predicted
      const ref = naiveScores(yTrue, yPred, 4);
      expect(precision(yTrue, yPred, 4)).toBeCloseTo(ref.precision, 12);
      expect(recall(yTrue, yPred, 4)).toBeCloseTo(ref.recall, 12);
      expect(f1Score(yTrue, yPred, 4)).toBeCloseTo(ref.f1, 12);
      expect(accuracy(yTrue, yPred)).toBeCloseTo(yTrue.filter((t, i) => t === yPred[i]).length / 60, 12);
      const cm = confusionMatrix(yTrue, yPred, 4);
      expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(60);
      expect(cm.map((row) => row[3])).toEqual([0, 0, 0, 0]);
    }
  });

  it('the worked example: macro-F1 0.6, weighted F1 0.65', () => {
    const s = classificationScores([0, 1, 2, 2], [0, 2, 2, 2], 3);
    expect(s.accuracy).toBe(0.75);
    expect(s.macro.f1).toBeCloseTo(0.6, 12);
    expect(s.weightedF1).toBeCloseTo((1 + 0 + 0.8 * 2) / 4, 12);
    expect(s.confusion).toEqual([[1, 0, 0], [0, 0, 1], [0, 0, 2]]);
    expect(s.perClass[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('rejects labels outside the classes', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/at 1/);
    expect(() => confusionMatrix([0, 1.5], [0, 1], 3)).toThrow(RangeError);
  });

  it('argmaxRows takes the first maximum of each row', () => {
    expect(argmaxRows([0.1, 2, 0.3, 5, 1, 5], 3)).toEqual([1, 0]);
    expect(() => argmaxRows([1, 2, 3], 2)).toThrow(RangeError);
  });
});
