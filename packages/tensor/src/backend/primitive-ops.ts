import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { Handle } from './handle.js';

/**
 * The primitive ops every backend implements. All are synchronous enqueues that
 * return new handles; inputs are never modified. The op layer (`ops/*.ts`) has
 * already checked shapes, dtypes and arguments, so a backend may assume they fit.
 *
 * Letters in comments: shapes are row-major; "bcast" means NumPy broadcasting.
 */
export interface PrimitiveOps {
  // --- unary, elementwise. float32 in, float32 out; neg, abs, relu also take int32.
  neg(x: Handle): Handle;
  exp(x: Handle): Handle;
  log(x: Handle): Handle;
  sqrt(x: Handle): Handle;
  /** tanh with a formula that stays finite for large |x|. */
  tanh(x: Handle): Handle;
  /** 1 / (1 + e^-x), computed so that large |x| neither overflows nor gives NaN. */
  sigmoid(x: Handle): Handle;
  relu(x: Handle): Handle;
  abs(x: Handle): Handle;

  // --- binary, broadcasting; both inputs of one dtype, output of that dtype.
  // div takes float32 only. NaN propagates (maximum(NaN, x) = NaN).
  add(a: Handle, b: Handle): Handle;
  sub(a: Handle, b: Handle): Handle;
  mul(a: Handle, b: Handle): Handle;
  div(a: Handle, b: Handle): Handle;
  maximum(a: Handle, b: Handle): Handle;

  // --- compare / select. Masks are float32 1 or 0 (WGSL has no bool storage).
  greater(a: Handle, b: Handle): Handle;
  equal(a: Handle, b: Handle): Handle;
  /** out = condition != 0 ? a : b, all three broadcast; a and b share a dtype. */
  where(condition: Handle, a: Handle, b: Handle): Handle;

  // --- reductions over sorted, distinct, non-negative `axes`.
  sum(x: Handle, axes: readonly number[], keepDims: boolean): Handle;
  /** Maximum; NaN if any reduced element is NaN; -Infinity for an empty reduction (float32). */
  max(x: Handle, axes: readonly number[], keepDims: boolean): Handle;
  /** Index (int32) of the first maximum along `axis`; a NaN counts as the maximum. */
  argmax(x: Handle, axis: number, keepDims: boolean): Handle;

  // --- matmul: a [..., M, K] (or [..., K, M] with transposeA), b [..., K, N] (or
  // [..., N, K] with transposeB) -> [bcast(...), M, N]. float32.
  matmul(a: Handle, b: Handle, transposeA: boolean, transposeB: boolean): Handle;

  // --- movement. Any dtype.
  transpose(x: Handle, perm: readonly number[]): Handle;
  /** begin and size per dimension, already concrete and in range. */
  slice(x: Handle, begin: readonly number[], size: readonly number[]): Handle;
  concat(xs: readonly Handle[], axis: number): Handle;
  /** paddings[d] = [before, after]; new cells hold `value`. */
  pad(x: Handle, paddings: readonly (readonly [number, number])[], value: number): Handle;
  /** float32 -> int32 truncates toward zero (NaN -> 0, clamps to the int32 range). */
  cast(x: Handle, dtype: DType): Handle;

  // --- index. indices are int32.
  /** out = x.shape[:axis] + indices.shape + x.shape[axis+1:]; an index outside [0, x.shape[axis]) reads 0. */
  gather(x: Handle, indices: Handle, axis: number): Handle;
  /**
   * out = x + (updates scattered along `axis` at `indices`, summing repeats);
   * updates.shape = x.shape[:axis] + indices.shape + x.shape[axis+1:]; out-of-range indices are ignored.
   */
  scatterAdd(x: Handle, indices: Handle, updates: Handle, axis: number): Handle;

  // --- random: counter-based (Threefry-2x32, 20 rounds), so every backend gives the
  // same numbers for the same (shape, seed). See `random-bits.ts`.
  /** Uniform float32 in [0, 1). */
  randomUniform(shape: Shape, seed: number): Handle;
  /** float32 1 with probability p, else 0; uses the same stream as randomUniform (u < p). */
  randomBernoulli(shape: Shape, p: number, seed: number): Handle;
}

/** Names of the primitive ops: the keys of the gradient-rule table. */
export type PrimitiveOpName = keyof PrimitiveOps;

export const UNARY_OPS = ['neg', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'relu', 'abs'] as const;
export type UnaryOpName = (typeof UNARY_OPS)[number];
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'maximum'] as const;
export type BinaryOpName = (typeof BINARY_OPS)[number];
export const COMPARE_OPS = ['greater', 'equal'] as const;
export type CompareOpName = (typeof COMPARE_OPS)[number];
