import type { Handle } from './handle.js';

/**
 * Optional fused ops. A backend advertises each in `capabilities.fused`; the op layer
 * calls the fused kernel when it is there and otherwise the reference composition in
 * `fused-reference.ts`, which autograd differentiates like any other ops. Both must
 * agree (conformance suite). Letters: T steps, B batch, I input size, H hidden size,
 * N rows, C classes.
 */

/** LSTM over a whole sequence, PyTorch gate order (i, f, g, o), one summed bias. */
export interface LstmSequenceArgs {
  /** [T, B, I] */
  x: Handle;
  /** [4H, I] */
  wIh: Handle;
  /** [4H, H] */
  wHh: Handle;
  /** [4H] (bias_ih + bias_hh) */
  bias: Handle;
  /** [B, H] */
  h0: Handle;
  /** [B, H] */
  c0: Handle;
  /** int32 [B], 0 <= length <= T; steps at t >= length keep the state and output 0. */
  lengths?: Handle;
  /** Run t = T-1 .. 0 (the backward direction of a bidirectional layer). */
  reverse: boolean;
}

export interface LstmSequenceResult {
  /** [T, B, H] */
  y: Handle;
  /** [B, H] state after each sample's last real step */
  hT: Handle;
  /** [B, H] */
  cT: Handle;
  /** Backend-private saved values (gate activations, cell states) for the backward. */
  reserve: Handle;
}

/**
 * `lstmSequence` whose input projection was folded into a table: the input gates of
 * step t, sample b are `table[ids[t, b]]` (x·Wihᵀ + bias of that row of an embedding),
 * so no input GEMM runs. Inference only: no reserve, no backward (the op composes the
 * reference when gradients are needed).
 */
export interface LstmSequenceEmbeddedArgs {
  /** [V, 4H] */
  table: Handle;
  /** int32 [T, B], each in [0, V) */
  ids: Handle;
  /** [4H, H] */
  wHh: Handle;
  /** [B, H] */
  h0: Handle;
  /** [B, H] */
  c0: Handle;
  /** int32 [B], 0 <= length <= T */
  lengths?: Handle;
  reverse: boolean;
}

export interface LstmSequenceEmbeddedResult {
  /** [T, B, H] */
  y: Handle;
  /** [B, H] */
  hT: Handle;
  /** [B, H] */
  cT: Handle;
}

export interface LstmSequenceBackwardArgs extends LstmSequenceArgs {
  /** [T, B, H] or null when y got no gradient */
  dy: Handle | null;
  /** [B, H] or null */
  dhT: Handle | null;
  /** [B, H] or null */
  dcT: Handle | null;
  y: Handle;
  reserve: Handle;
}

export interface LstmSequenceGradients {
  dx: Handle;
  dwIh: Handle;
  dwHh: Handle;
  dBias: Handle;
  dh0: Handle;
  dc0: Handle;
}

/**
 * GRU over a whole sequence, PyTorch's nn.GRU: gate order (r, z, n),
 * n = tanh(x·Winᵀ + b_in + r ⊙ (h·Whnᵀ + b_hn)), h' = (1−z) ⊙ n + z ⊙ h.
 * The two biases stay apart because b_hn sits inside the reset gate's product.
 */
export interface GruSequenceArgs {
  /** [T, B, I] */
  x: Handle;
  /** [3H, I] */
  wIh: Handle;
  /** [3H, H] */
  wHh: Handle;
  /** [3H] (zeros for a layer without bias) */
  bIh: Handle;
  /** [3H] */
  bHh: Handle;
  /** [B, H] */
  h0: Handle;
  /** int32 [B], 0 <= length <= T; steps at t >= length keep the state and output 0. */
  lengths?: Handle;
  /** Run t = T-1 .. 0 (the backward direction of a bidirectional layer). */
  reverse: boolean;
}

export interface GruSequenceResult {
  /** [T, B, H] */
  y: Handle;
  /** [B, H] state after each sample's last real step */
  hT: Handle;
  /** Saved values for the backward, laid out as `gruReserveLayout` says. */
  reserve: Handle;
}

export interface GruSequenceBackwardArgs extends GruSequenceArgs {
  /** [T, B, H] or null when y got no gradient */
  dy: Handle | null;
  /** [B, H] or null */
  dhT: Handle | null;
  y: Handle;
  reserve: Handle;
}

export interface GruSequenceGradients {
  dx: Handle;
  dwIh: Handle;
  dwHh: Handle;
  dbIh: Handle;
  dbHh: Handle;
  dh0: Handle;
}

/** Row-wise softmax cross-entropy with integer labels. */
export interface SoftmaxCrossEntropyArgs {
  /** [N, C] float32 */
  logits: Handle;
  /** [N] int32 in [0, C) */
  labels: Handle;
}

export interface SoftmaxCrossEntropyResult {
  /** [N]: -log softmax(logits)[n, labels[n]] */
  loss: Handle;
  /** [N, C]: softmax(logits) */
  probabilities: Handle;
}

/** One Adam / AdamW update. Pure: returns the new param, m and v. */
export interface AdamStepArgs {
  param: Handle;
  grad: Handle;
  m: Handle;
  v: Handle;
  /** 1-based step count (for bias correction). */
  step: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** true: AdamW (decay applied to the weights); false: L2 added to the gradient. */
  decoupledWeightDecay: boolean;
  /**
   * A float32 scalar (shape [] or [1]) the gradient is multiplied by before anything
   * else: gradient-norm clipping folded into the update, so clipped copies of the
   * gradients are never made.
   */
  gradScale?: Handle;
  /**
   * The caller gives up `param`, `m` and `v`: a backend may write the results into
   * their storage (when nothing else references it) and return the same ids, retained.
   * Results are the same either way; the optimizer sets it for its own slots, saving
   * three fresh buffers per parameter and step.
   */
  donate?: boolean;
}

export interface AdamStepResult {
  param: Handle;
  m: Handle;
  v: Handle;
}

/** log(softmax(x)) over the last axis of x (float32, any rank >= 1). */
export interface LogSoftmaxArgs {
  x: Handle;
}

/** Σ x² over every element of every tensor: the squared L2 norm of a set of gradients. */
export interface SumOfSquaresArgs {
  /** float32 tensors of any shapes (possibly empty). */
  xs: readonly Handle[];
}

/**
 * `into + x` for two float32 tensors of one shape: an accumulator's update (the
 * gradient of a parameter used at many steps, summed as backpropagation reaches each).
 */
export interface AddIntoArgs {
  /**
   * Given up by the caller: a backend may write the sum into its storage when nothing
   * else references it and return the same id, retained (the caller then disposes its
   * own reference and never reads it again).
   */
  into: Handle;
  x: Handle;
}

export interface FusedOps {
  lstmSequence(args: LstmSequenceArgs): LstmSequenceResult;
  lstmSequenceBackward(args: LstmSequenceBackwardArgs): LstmSequenceGradients;
  lstmSequenceEmbedded(args: LstmSequenceEmbeddedArgs): LstmSequenceEmbeddedResult;
  gruSequence(args: GruSequenceArgs): GruSequenceResult;
  gruSequenceBackward(args: GruSequenceBackwardArgs): GruSequenceGradients;
  softmaxCrossEntropy(args: SoftmaxCrossEntropyArgs): SoftmaxCrossEntropyResult;
  adamStep(args: AdamStepArgs): AdamStepResult;
  /** x's shape: (x - max) - log Σ exp(x - max) per row of the last axis. */
  logSoftmax(args: LogSoftmaxArgs): Handle;
  /** One float32 scalar (shape []); one pass over the inputs, no x² tensors. */
  sumOfSquares(args: SumOfSquaresArgs): Handle;
  /** into + x, in into's storage where the backend can (see `AddIntoArgs`). */
  addInto(args: AddIntoArgs): Handle;
}

export type FusedOpName = keyof FusedOps;
