/**
 * Evaluation metrics on plain numbers (host side, browser-safe): regression errors
 * and classification scores. `fit` and `evaluate` call them by name ('mae', 'rmse',
 * 'accuracy', 'f1', ...) on the predictions they read back; they are also usable on
 * their own.
 */

type Values = ArrayLike<number>;

function checkPairs(op: string, yTrue: Values, yPred: Values): void {
  if (yTrue.length !== yPred.length) throw new RangeError(`${op}: ${yTrue.length} targets but ${yPred.length} predictions`);
}

/**
 * Mean absolute error: mean |yTrue - yPred| (NaN for no values).
 *
 * @example
 * ```ts
 * meanAbsoluteError([1, 2, 3], [1, 4, 2]); // 1
 * ```
 */
export function meanAbsoluteError(yTrue: Values, yPred: Values): number {
  checkPairs('meanAbsoluteError', yTrue, yPred);
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) total += Math.abs(yTrue[i]! - yPred[i]!);
  return total / yTrue.length;
}

/**
 * Mean squared error: mean (yTrue - yPred)² (NaN for no values).
 *
 * @example
 * ```ts
 * meanSquaredError([1, 2], [1, 4]); // 2
 * ```
 */
export function meanSquaredError(yTrue: Values, yPred: Values): number {
  checkPairs('meanSquaredError', yTrue, yPred);
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) total += (yTrue[i]! - yPred[i]!) ** 2;
  return total / yTrue.length;
}

/**
 * Root mean squared error: √(mean (yTrue - yPred)²), in the units of the data.
 *
 * @example
 * ```ts
 * rootMeanSquaredError([0, 0], [3, 4]); // √12.5
 * ```
 */
export function rootMeanSquaredError(yTrue: Values, yPred: Values): number {
  return Math.sqrt(meanSquaredError(yTrue, yPred));
}

/**
 * Mean absolute percentage error, in percent: 100 · mean |yTrue - yPred| / |yTrue|.
 * Targets equal to 0 are skipped (their percentage error is undefined); NaN when every
 * target is 0.
 *
 * @example
 * ```ts
 * meanAbsolutePercentageError([100, 200], [110, 180]); // 10
 * ```
 */
export function meanAbsolutePercentageError(yTrue: Values, yPred: Values): number {
  checkPairs('meanAbsolutePercentageError', yTrue, yPred);
  let total = 0;
  let count = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === 0) continue;
    total += Math.abs((yTrue[i]! - yPred[i]!) / yTrue[i]!);
    count++;
  }
  return (100 * total) / count;
}

/**
 * Fraction of positions where the labels agree (0 for no labels).
 *
 * @example
 * ```ts
 * accuracy([0, 1, 2, 2], [0, 2, 2, 2]); // 0.75
 * ```
 */
export function accuracy(yTrue: Values, yPred: Values): number {
  checkPairs('accuracy', yTrue, yPred);
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return yTrue.length === 0 ? 0 : correct / yTrue.length;
}

/**
 * confusion[true][predicted] = count, for class indices in [0, numClasses). Throws a
 * RangeError naming the position of a label outside that range.
 *
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 0, 1], 2); // [[1, 0], [1, 1]]
 * ```
 */
export function confusionMatrix(yTrue: Values, yPred: Values, numClasses: number): number[][] {
  checkPairs('confusionMatrix', yTrue, yPred);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`confusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
  const out = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (!(Number.isInteger(t) && t >= 0 && t < numClasses) || !(Number.isInteger(p) && p >= 0 && p < numClasses)) {
      throw new RangeError(`confusionMatrix: label index out of range at ${i} (true ${t}, predicted ${p}; ${numClasses} classes)`);
    }
    out[t]![p]!++;
  }
  return out;
}

/** Precision, recall and F1 of one class. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Examples whose true label is this class. */
  support: number;
}

/** What `classificationScores` returns (JSON-safe). */
export interface ClassificationScores {
  count: number;
  accuracy: number;
  /** Unweighted means over classes (the numbers to watch with imbalanced classes). */
  macro: { precision: number; recall: number; f1: number };
  /** Per-class F1 weighted by support. */
  weightedF1: number;
  perClass: ClassScores[];
  /** confusion[trueIndex][predictedIndex] = count. */
  confusion: number[][];
}

/**
 * Accuracy, macro precision/recall/F1, weighted F1, per-class scores and the confusion
 * matrix, with scikit-learn's `zero_division=0`: a class never predicted has precision
 * 0, a class with no examples recall 0.
 *
 * @example
 * ```ts
 * const s = classificationScores([0, 1, 2, 2], [0, 2, 2, 2], 3);
 * console.log(s.accuracy, s.macro.f1); // 0.75 0.6
 * ```
 */
export function classificationScores(yTrue: Values, yPred: Values, numClasses: number): ClassificationScores {
  const confusion = confusionMatrix(yTrue, yPred, numClasses);
  const perClass = confusion.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + r[c]!, 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
  const n = yTrue.length;
  const macroOf = (key: 'precision' | 'recall' | 'f1') => perClass.reduce((a, m) => a + m[key], 0) / numClasses;
  return {
    count: n,
    accuracy: accuracy(yTrue, yPred),
    macro: { precision: macroOf('precision'), recall: macroOf('recall'), f1: macroOf('f1') },
    weightedF1: n === 0 ? 0 : perClass.reduce((a, m) => a + m.f1 * m.support, 0) / n,
    perClass,
    confusion,
  };
}

/**
 * Macro-averaged precision: the mean over classes of TP / (TP + FP).
 *
 * @example
 * ```ts
 * precision([0, 1, 1], [0, 0, 1], 2); // (0.5 + 1) / 2
 * ```
 */
export function precision(yTrue: Values, yPred: Values, numClasses: number): number {
  return classificationScores(yTrue, yPred, numClasses).macro.precision;
}

/**
 * Macro-averaged recall: the mean over classes of TP / (TP + FN).
 *
 * @example
 * ```ts
 * recall([0, 1, 1], [0, 0, 1], 2); // (1 + 0.5) / 2
 * ```
 */
export function recall(yTrue: Values, yPred: Values, numClasses: number): number {
  return classificationScores(yTrue, yPred, numClasses).macro.recall;
}

/**
 * Macro-averaged F1: the unweighted mean of the per-class F1 scores.
 *
 * @example
 * ```ts
 * f1Score([0, 1, 2, 2], [0, 2, 2, 2], 3); // 0.6
 * ```
 */
export function f1Score(yTrue: Values, yPred: Values, numClasses: number): number {
  return classificationScores(yTrue, yPred, numClasses).macro.f1;
}

/**
 * Index of the largest value in each row of a row-major [rows, width] array (first on
 * ties): class predictions from logits or probabilities.
 *
 * @example
 * ```ts
 * argmaxRows([0.1, 2, 0.3, 5, 1, 0], 3); // [1, 0]
 * ```
 */
export function argmaxRows(values: Values, width: number): number[] {
  if (!Number.isInteger(width) || width < 1 || values.length % width !== 0) throw new RangeError(`argmaxRows: ${values.length} values do not make rows of ${width}`);
  const out: number[] = [];
  for (let start = 0; start < values.length; start += width) {
    let best = 0;
    for (let j = 1; j < width; j++) if (values[start + j]! > values[start + best]!) best = j;
    out.push(best);
  }
  return out;
}
