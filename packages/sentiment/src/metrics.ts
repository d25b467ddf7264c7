/** Classification metrics (plain numbers, browser-safe), on @cellstate/nn's scores with class names. */
import { classificationScores, type ClassificationScores } from '@cellstate/nn';

/** Precision, recall and F1 of one class. */
export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Examples whose true label is this class. */
  support: number;
}

/** What `computeMetrics` returns (JSON-safe). */
export interface EvaluationReport {
  labels: string[];
  count: number;
  accuracy: number;
  /** Unweighted mean of the per-class F1 (the number to watch with imbalanced classes). */
  macroF1: number;
  /** Per-class F1 weighted by support. */
  weightedF1: number;
  perClass: ClassMetrics[];
  /** confusion[trueIndex][predictedIndex] = count. */
  confusion: number[][];
}

/**
 * Accuracy, macro-F1, weighted F1, per-class precision/recall/F1 and the confusion
 * matrix. A class never predicted has precision 0; a class with no examples has recall
 * 0 (scikit-learn's `zero_division=0`).
 *
 * @example
 * ```ts
 * computeMetrics([0, 1, 2, 2], [0, 2, 2, 2], ['negative', 'neutral', 'positive']).accuracy; // 0.75
 * ```
 */
export function computeMetrics(yTrue: readonly number[], yPred: readonly number[], labels: readonly string[]): EvaluationReport {
  if (yTrue.length !== yPred.length) throw new RangeError(`computeMetrics: ${yTrue.length} true labels but ${yPred.length} predictions`);
  const C = labels.length;
  const n = yTrue.length;
  if (C === 0) {
    if (n > 0) throw new RangeError('computeMetrics: label index out of range at 0 (no classes)');
    return { labels: [], count: 0, accuracy: 0, macroF1: 0, weightedF1: 0, perClass: [], confusion: [] };
  }
  let scores: ClassificationScores;
  try {
    scores = classificationScores(yTrue, yPred, C);
  } catch (e) {
    throw new RangeError(`computeMetrics: ${(e as Error).message.replace(/^confusionMatrix: /, '')}`);
  }
  return {
    labels: [...labels],
    count: n,
    accuracy: scores.accuracy,
    macroF1: scores.macro.f1,
    weightedF1: scores.weightedF1,
    perClass: scores.perClass.map((m, c) => ({ label: labels[c]!, ...m })),
    confusion: scores.confusion,
  };
}

/** Index of the largest value (first on ties). */
export function argmaxOf(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * The report as plain-text tables: summary, per-class metrics and the confusion matrix
 * (rows = true label, columns = predicted).
 */
export function formatReport(report: EvaluationReport, title = 'evaluation'): string {
  const f = (x: number) => x.toFixed(4);
  const lines: string[] = [];
  lines.push(`${title}: ${report.count} examples   accuracy ${f(report.accuracy)}   macro-F1 ${f(report.macroF1)}   weighted-F1 ${f(report.weightedF1)}`);
  lines.push('');
  const w = Math.max(8, ...report.labels.map((l) => l.length));
  lines.push(`${'class'.padEnd(w)}  precision  recall     f1         support`);
  for (const m of report.perClass) {
    lines.push(`${m.label.padEnd(w)}  ${f(m.precision).padEnd(9)}  ${f(m.recall).padEnd(9)}  ${f(m.f1).padEnd(9)}  ${String(m.support)}`);
  }
  lines.push('');
  lines.push(formatConfusionMatrix(report));
  return lines.join('\n');
}

/** The confusion matrix as a table: rows are true labels, columns predicted labels. */
export function formatConfusionMatrix(report: Pick<EvaluationReport, 'labels' | 'confusion'>): string {
  const labels = report.labels;
  const cells = report.confusion.map((row) => row.map(String));
  const colW = Math.max(6, ...labels.map((l) => l.length), ...cells.flat().map((c) => c.length));
  const rowW = Math.max('true \\ predicted'.length, ...labels.map((l) => l.length));
  const sep = `+${'-'.repeat(rowW + 2)}+${labels.map(() => '-'.repeat(colW + 2)).join('+')}+`;
  const row = (head: string, values: string[]) => `| ${head.padEnd(rowW)} |${values.map((v) => ` ${v.padStart(colW)} `).join('|')}|`;
  return [sep, row('true \\ predicted', labels), sep, ...labels.map((l, i) => row(l, cells[i]!)), sep].join('\n');
}
