import { describe, expect, it } from 'vitest';
import { computeMetrics, formatConfusionMatrix, formatReport } from './metrics.js';

describe('computeMetrics', () => {
  it('matches hand-computed precision, recall, F1, accuracy and confusion', () => {
    // true:      0 0 0 0 1 1 1 2 2 2
    // predicted: 0 0 1 2 1 1 0 2 2 1
    const r = computeMetrics([0, 0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 0, 1, 2, 1, 1, 0, 2, 2, 1], ['neg', 'neu', 'pos']);
    expect(r.confusion).toEqual([[2, 1, 1], [1, 2, 0], [0, 1, 2]]);
    expect(r.accuracy).toBeCloseTo(0.6, 12);
    const [neg, neu, pos] = r.perClass;
    expect(neg).toMatchObject({ precision: 2 / 3, recall: 0.5, support: 4 });
    expect(neg!.f1).toBeCloseTo((2 * (2 / 3) * 0.5) / (2 / 3 + 0.5), 12);
    expect(neu).toMatchObject({ precision: 0.5, recall: 2 / 3 });
    expect(pos).toMatchObject({ precision: 2 / 3, recall: 2 / 3 });
    expect(r.macroF1).toBeCloseTo((neg!.f1 + neu!.f1 + pos!.f1) / 3, 12);
    expect(r.weightedF1).toBeCloseTo((neg!.f1 * 4 + neu!.f1 * 3 + pos!.f1 * 3) / 10, 12);
  });

  it('never-predicted classes score 0, not NaN', () => {
    const r = computeMetrics([0, 1, 1], [0, 0, 0], ['a', 'b']);
    expect(r.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(Number.isNaN(r.macroF1)).toBe(false);
  });

  it('formats the confusion matrix as a table', () => {
    const r = computeMetrics([0, 1, 1], [0, 1, 0], ['negative', 'positive']);
    const table = formatConfusionMatrix(r);
    expect(table).toContain('| true \\ predicted | negative | positive |');
    expect(table).toMatch(/\| negative\s+\|\s+1 \|\s+0 \|/);
    expect(table).toMatch(/\| positive\s+\|\s+1 \|\s+1 \|/);
    expect(formatReport(r)).toContain('macro-F1');
  });
});
