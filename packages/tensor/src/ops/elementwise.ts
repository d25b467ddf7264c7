import type { BinaryOpName, CompareOpName, UnaryOpName } from '../backend/primitive-ops.js';
import { record } from '../autograd/tape.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, checkDType, checkSameDType, operands, wrap, type TensorLike } from './util.js';

const FLOAT_ONLY = new Set<UnaryOpName>(['exp', 'log', 'sqrt', 'tanh', 'sigmoid']);
// What each rule needs kept: e.g. exp's gradient is dy * exp(x), so it keeps its output.
const UNARY_SAVES: Record<UnaryOpName, { inputs?: number[]; outputs?: boolean }> = {
  neg: {},
  exp: { outputs: true },
  log: { inputs: [0] },
  sqrt: { outputs: true },
  tanh: { outputs: true },
  sigmoid: { outputs: true },
  relu: { inputs: [0] },
  abs: { inputs: [0] },
};

function unary(op: UnaryOpName, x: Tensor): Tensor {
  const backend = backendOf(op, [x]);
  checkDType(op, x, FLOAT_ONLY.has(op) ? ['float32'] : ['float32', 'int32']);
  const out = wrap(backend, backend[op](x.handleFor(op)));
  record(op, [x], [out], {}, UNARY_SAVES[op]);
  return out;
}

/** -x. @example `neg(tensor([1, -2]))` gives `[-1, 2]`. */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** e^x. @example `exp(tensor([0]))` gives `[1]`. */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** Natural logarithm; log(0) = -Infinity, log(-1) = NaN. @example `log(tensor([1]))` gives `[0]`. */
export const log = (x: Tensor): Tensor => unary('log', x);
/** Square root. @example `sqrt(tensor([4]))` gives `[2]`. */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** Hyperbolic tangent. @example `tanh(tensor([0]))` gives `[0]`. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** Logistic sigmoid 1 / (1 + e^-x). @example `sigmoid(tensor([0]))` gives `[0.5]`. */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** max(x, 0). @example `relu(tensor([-1, 2]))` gives `[0, 2]`. */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** |x|. @example `abs(tensor([-3]))` gives `[3]`. */
export const abs = (x: Tensor): Tensor => unary('abs', x);

// A comparison is a mask: its gradient is none, so it keeps nothing.
const BINARY_SAVES: Record<BinaryOpName | CompareOpName, { inputs?: number[] | 'all' }> = {
  add: {},
  sub: {},
  mul: { inputs: 'all' },
  div: { inputs: 'all' },
  maximum: { inputs: 'all' },
  greater: {},
  equal: {},
};

function binary(op: BinaryOpName | CompareOpName, aIn: TensorLike, bIn: TensorLike): Tensor {
  const { tensors, release } = operands(op, [aIn, bIn]);
  const [a, b] = tensors as [Tensor, Tensor];
  try {
    const backend = backendOf(op, [a, b]);
    checkSameDType(op, a, b);
    checkDType(op, a, op === 'div' ? ['float32'] : ['float32', 'int32']);
    broadcastShapes(op, a.shape, b.shape);
    const out = wrap(backend, backend[op](a.handleFor(op), b.handleFor(op)));
    record(op, [a, b], [out], {}, BINARY_SAVES[op]);
    return out;
  } finally {
    release();
  }
}

/** a + b with broadcasting. @example `add(tensor([[1], [2]]), tensor([10, 20]))` gives `[[11, 21], [12, 22]]`. */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
/** a - b with broadcasting. @example `sub(tensor([3]), 1)` gives `[2]`. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
/** a * b with broadcasting. @example `mul(tensor([2, 3]), 2)` gives `[4, 6]`. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/** a / b with broadcasting (float32). @example `div(tensor([1]), 4)` gives `[0.25]`. */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
/** Elementwise maximum; NaN wins. The gradient goes to `a` on ties. @example `maximum(tensor([1, 5]), 3)` gives `[3, 5]`. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);

/** float32 mask: 1 where a > b, else 0 (NaN compares false). @example `greater(tensor([1, 3]), 2)` gives `[0, 1]`. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binary('greater', a, b);
/** float32 mask: 1 where a == b. @example `equal(tensor([1, 2]), 2)` gives `[0, 1]`. */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary('equal', a, b);
/** float32 mask: 1 where a < b. @example `less(tensor([1, 3]), 2)` gives `[1, 0]`. */
export const less = (a: TensorLike, b: TensorLike): Tensor => binary('greater', b, a);

/**
 * Picks `a` where `condition` is non-zero, else `b`; all three broadcast.
 *
 * @example
 * ```ts
 * where(tensor([1, 0]), tensor([1, 2]), tensor([9, 9])); // [1, 9]
 * ```
 */
export function where(condition: TensorLike, aIn: TensorLike, bIn: TensorLike): Tensor {
  const { tensors, release } = operands('where', [condition, aIn, bIn]);
  const [c, a, b] = tensors as [Tensor, Tensor, Tensor];
  try {
    const backend = backendOf('where', [c, a, b]);
    checkDType('where', c, ['float32'], 'condition');
    checkSameDType('where', a, b);
    broadcastShapes('where', c.shape, a.shape, b.shape);
    const out = wrap(backend, backend.where(c.handleFor('where'), a.handleFor('where'), b.handleFor('where')));
    record('where', [c, a, b], [out], {}, { inputs: [0] });
    return out;
  } finally {
    release();
  }
}

/** x² (composed). @example `square(tensor([3]))` gives `[9]`. */
export const square = (x: Tensor): Tensor => mul(x, x);

/** Elementwise minimum (composed from maximum). @example `minimum(tensor([1, 5]), 3)` gives `[1, 3]`. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const na = typeof a === 'number' ? -a : neg(a);
  const nb = typeof b === 'number' ? -b : neg(b);
  const m = maximum(na, nb);
  const out = neg(m);
  for (const t of [na, nb, m]) if (typeof t !== 'number') t.dispose();
  return out;
}
