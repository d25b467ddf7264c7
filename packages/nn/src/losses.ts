/**
 * Loss functions with PyTorch's semantics. Shapes: N rows, C classes.
 */
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  abs,
  add,
  arange,
  cast,
  div,
  equal,
  exp,
  log,
  logSoftmax,
  maximum,
  mean,
  minimum,
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

/** The option every loss takes. */
export interface ReductionOptions {
  /** How the per-element losses combine: 'mean' (default), 'sum' or 'none' (no reduction). */
  reduction?: Reduction;
}

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
export function mseLoss(pred: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
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

export interface CrossEntropyOptions extends ReductionOptions {
  /** Per-class weights [C] (float32). */
  weight?: Tensor;
  /** Rows with this label contribute nothing, also to the mean's denominator (default -100). */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target is (1 - ε)·onehot + ε / C (PyTorch 1.10+). Default 0. */
  labelSmoothing?: number;
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

function checkPair(op: string, pred: Tensor, target: Tensor, reduction: Reduction): void {
  checkReduction(op, reduction);
  checkFloat(op, 'pred', pred);
  checkFloat(op, 'target', target);
  if (!shapesEqual(pred.shape, target.shape)) {
    throw new ShapeError({ op, detail: 'pred and target must have the same shape', expected: [...pred.shape], actual: [...target.shape] });
  }
}

function reduce(values: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? values : reduction === 'sum' ? sum(values) : mean(values);
}

/**
 * Mean absolute error (PyTorch's `F.l1_loss`): |pred - target| averaged ('mean', the
 * default), summed or per element. Less swayed by outliers than `mseLoss`.
 *
 * @example
 * ```ts
 * const loss = l1Loss(tensor([1, 2]), tensor([1, 4])); // 1
 * ```
 */
export function l1Loss(pred: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkPair('l1Loss', pred, target, reduction);
  return scope(() => reduce(abs(sub(pred, target)), reduction));
}

export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1, as in PyTorch). */
  delta?: number;
}

/**
 * Huber loss (PyTorch's `F.huber_loss`): ½d² where |d| < δ, else δ(|d| - ½δ), with
 * d = pred - target. Quadratic near the target (smooth gradients) and linear far from
 * it (outliers pull no harder than δ).
 *
 * @example
 * ```ts
 * const loss = huberLoss(tensor([0, 0]), tensor([0.5, 3]), { delta: 1 }); // (0.125 + 2.5) / 2
 * ```
 */
export function huberLoss(pred: Tensor, target: Tensor, options: HuberOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  const delta = options.delta ?? 1;
  checkPair('huberLoss', pred, target, reduction);
  if (!(delta > 0 && Number.isFinite(delta))) throw new ArgumentError('huberLoss', `delta must be a positive number, got ${delta}`);
  return scope(() => {
    const a = abs(sub(pred, target));
    // q = min(|d|, δ) gives both branches in one expression without a mask:
    // ½q² + δ(|d| - q) is ½d² below δ and δ(|d| - ½δ) above it.
    const q = minimum(a, delta);
    return reduce(add(mul(square(q), 0.5), mul(sub(a, q), delta)), reduction);
  });
}

export interface BceWithLogitsOptions extends ReductionOptions {
  /** Weight of each element (broadcast against the logits), PyTorch's `weight`. */
  weight?: Tensor;
  /**
   * Weight of the positive term per class (broadcast against the last axis), PyTorch's
   * `pos_weight`: above 1 raises recall on a rare positive class.
   */
  posWeight?: Tensor;
}

/**
 * Binary cross-entropy on logits (PyTorch's `F.binary_cross_entropy_with_logits`):
 * -w·[p·y·log σ(x) + (1 - y)·log(1 - σ(x))] with targets y in [0, 1] (float32, the shape
 * of the logits), computed in the stable form (1 - y)·x + (1 + (p - 1)·y)·(log(1 +
 * e^(-|x|)) + max(-x, 0)), which never takes the log of a rounded-off 0.
 *
 * @example
 * ```ts
 * const loss = bceWithLogitsLoss(tensor([2, -1]), tensor([1, 0]));
 * ```
 */
export function bceWithLogitsLoss(logits: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const op = 'bceWithLogitsLoss';
  const reduction = options.reduction ?? 'mean';
  checkPair(op, logits, target, reduction);
  if (options.weight) checkFloat(op, 'weight', options.weight);
  if (options.posWeight) checkFloat(op, 'posWeight', options.posWeight);
  return scope(() => {
    const softplusNeg = add(log(add(exp(neg(abs(logits))), 1)), maximum(neg(logits), 0)); // -log σ(x)
    const negative = mul(sub(1, target), logits); // (1 - y)·x, with -log(1 - σ(x)) = x - log σ(x)
    const positiveWeight = options.posWeight ? add(mul(sub(options.posWeight, 1), target), 1) : null;
    let perElement = add(negative, positiveWeight ? mul(positiveWeight, softplusNeg) : softplusNeg);
    if (options.weight) perElement = mul(perElement, options.weight);
    return reduce(perElement, reduction);
  });
}
