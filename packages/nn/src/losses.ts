/**
 * Loss functions with PyTorch's semantics. Shapes: N rows, C classes.
 */
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  add,
  arange,
  cast,
  div,
  equal,
  logSoftmax,
  mean,
  mul,
  neg,
  reshape,
  scope,
  shapesEqual,
  softmaxCrossEntropy,
  square,
  sub,
  sum,
  type Tensor,
} from '@cellstate/tensor';
import { canValidate, checkIndicesSync } from './check-indices.js';

/** How per-element losses are combined. */
export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(op: string, reduction: Reduction): void {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ArgumentError(op, `reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

function checkFloat(op: string, name: string, t: Tensor): void {
  if (t.dtype !== 'float32') throw new DTypeError({ op, detail: `${name} must be float32`, expected: 'float32', actual: t.dtype });
}

/**
 * Mean squared error (PyTorch's `F.mse_loss`): (pred - target)² averaged ('mean',
 * the default), summed ('sum') or per element ('none'). Shapes must be equal.
 *
 * @example
 * ```ts
 * const loss = mseLoss(tensor([1, 2]), tensor([1, 4])); // 2
 * ```
 */
export function mseLoss(pred: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction('mseLoss', reduction);
  checkFloat('mseLoss', 'pred', pred);
  checkFloat('mseLoss', 'target', target);
  if (!shapesEqual(pred.shape, target.shape)) {
    throw new ShapeError({ op: 'mseLoss', detail: 'pred and target must have the same shape', expected: [...pred.shape], actual: [...target.shape] });
  }
  return scope(() => {
    const squared = square(sub(pred, target));
    return reduction === 'none' ? squared : reduction === 'sum' ? sum(squared) : mean(squared);
  });
}

export interface CrossEntropyOptions {
  /** Per-class weights [C] (float32). */
  weight?: Tensor;
  /** Rows with this label contribute nothing, also to the mean's denominator (default -100). */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target is (1 - ε)·onehot + ε / C (PyTorch 1.10+). Default 0. */
  labelSmoothing?: number;
  /** Default 'mean'. */
  reduction?: Reduction;
  /**
   * Check labels on the host (in [0, C) or `ignoreIndex`) before computing (default
   * true). Only possible where the backend reads synchronously (CPU); elsewhere it is
   * skipped and an out-of-range label gives an undefined loss.
   */
  validate?: boolean;
}

/**
 * Cross-entropy of logits [N, C] against int32 class labels [N], exactly as PyTorch's
 * `F.cross_entropy`:
 * - row loss ℓₙ = -w[yₙ] · log softmax(xₙ)[yₙ] (w = 1 without `weight`), 0 where
 *   yₙ = ignoreIndex;
 * - with label smoothing ε: (1 - ε)·ℓₙ + (ε / C)·sₙ, where sₙ = -Σ_c w[c] · log
 *   softmax(xₙ)[c] (0 for ignored rows);
 * - 'mean' divides the sums by Σₙ w[yₙ] over non-ignored rows (the row count without
 *   weights; NaN when every row is ignored, as in PyTorch); 'sum' sums; 'none' returns [N].
 *
 * Without label smoothing it uses the fused `softmaxCrossEntropy` op; with it,
 * `logSoftmax`. Differentiable with respect to the logits.
 *
 * @example
 * ```ts
 * const logits = tensor([[2, 0, -1], [0.5, 0.5, 3]]);
 * const labels = tensor([0, 2], [2], { dtype: 'int32' });
 * const loss = crossEntropyLoss(logits, labels, { labelSmoothing: 0.1 });
 * ```
 */
export function crossEntropyLoss(logits: Tensor, labels: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropyLoss';
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  const smoothing = options.labelSmoothing ?? 0;
  checkReduction(op, reduction);
  checkFloat(op, 'logits', logits);
  if (labels.dtype !== 'int32') throw new DTypeError({ op, detail: 'labels must be int32 class indices', expected: 'int32', actual: labels.dtype });
  if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new ShapeError({ op, detail: 'expects logits [N, C] and labels [N]', expected: '[N, C] and [N]', actual: [[...logits.shape], [...labels.shape]] });
  }
  const [n, c] = logits.shape as [number, number];
  if (!Number.isInteger(ignoreIndex)) throw new ArgumentError(op, `ignoreIndex must be an integer, got ${ignoreIndex}`);
  if (!(smoothing >= 0 && smoothing <= 1)) throw new ArgumentError(op, `labelSmoothing must be in [0, 1], got ${smoothing}`);
  const weight = options.weight;
  if (weight) {
    checkFloat(op, 'weight', weight);
    if (!shapesEqual(weight.shape, [c])) throw new ShapeError({ op, detail: 'weight must have one entry per class', expected: [c], actual: [...weight.shape] });
  }
  if ((options.validate ?? true) && canValidate(labels)) checkIndicesSync(op, labels, c, ignoreIndex);

  return scope(() => {
    const backend = logits.backend;
    // onehot [N, C]: 1 at (n, yₙ); an all-zero row where yₙ is outside [0, C). Built only
    // when class weights or label smoothing need it: it is as large as the logits.
    const onehotOf = () => equal(reshape(labels, [n, 1]), arange(0, c, 1, { dtype: 'int32', backend }));
    const valid = sub(1, equal(labels, ignoreIndex)); // [N]: 0 for ignored rows
    const classWeight = weight ? reshape(weight, [1, c]) : null;
    // w[yₙ] for non-ignored rows, else 0.
    const rowWeight = classWeight ? mul(sum(mul(onehotOf(), classWeight), 1), valid) : valid;

    let perRow: Tensor;
    if (smoothing === 0) {
      // Ignored rows look up class 0 (any valid class) and are then weighted by 0.
      const safeLabels = mul(labels, cast(valid, 'int32'));
      perRow = mul(softmaxCrossEntropy(logits, safeLabels).loss, rowWeight);
    } else {
      const logProbabilities = logSoftmax(logits, 1);
      const nll = mul(neg(sum(mul(logProbabilities, onehotOf()), 1)), rowWeight);
      const smooth = mul(neg(sum(classWeight ? mul(logProbabilities, classWeight) : logProbabilities, 1)), valid);
      perRow = add(mul(nll, 1 - smoothing), mul(smooth, smoothing / c));
    }
    if (reduction === 'none') return perRow;
    if (reduction === 'sum') return sum(perRow);
    return div(sum(perRow), sum(rowWeight));
  });
}
