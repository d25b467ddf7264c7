import { seedToKey, type BinaryOpName, type CompareOpName, type Shape, type TensorData, type UnaryOpName } from '@cellstate/tensor';
import { broadcastStrides, coalesce } from '@cellstate/tensor/backend-kit';
import type { JobContext } from './job-context.js';

/** Operation codes of the `unary` kernel (assembly/elementwise.ts); log stays in TypeScript (its tables would be a data segment). */
const UNARY_CODES: readonly UnaryOpName[] = ['exp', 'tanh', 'sigmoid', 'neg', 'abs', 'sqrt', 'relu'];

/** Operation codes of the `binary` kernel (assembly/elementwise.ts). */
const BINARY_CODES: readonly (BinaryOpName | CompareOpName)[] = ['add', 'sub', 'mul', 'div', 'maximum', 'greater', 'equal'];

/** Same contract as `randomBernoulli` in kernels/random.ts (Threefry four lanes at a time). */
export function randomBernoulli(ctx: JobContext, p: number, seed: number, out: Float32Array): boolean {
  if (!ctx.ready()) return false;
  const n = out.length;
  if (n < ctx.tuning.minWasmElementwise || n >= 2 ** 31) return false;
  const e = ctx.engine;
  const nt = ctx.threadsFor(200 * n, 200 * n, n >> 12);
  e.reset();
  const po = e.alloc(n * 4 + 16);
  if (!e.commit()) return false;
  const [k0, k1] = seedToKey(seed);
  // u = (bits >>> 8) / 2^24 < p  <=>  (bits >>> 8) < ceil(p · 2^24) (p · 2^24 is exact).
  const threshold = p > 1 ? 2 ** 24 : p > 0 ? Math.ceil(p * 2 ** 24) : 0;
  e.args([n, po, k0 | 0, k1 | 0, threshold]);
  e.run('bernoulli', nt);
  e.get(po, out, n);
  return true;
}

/**
 * Same contract as `binary` in kernels/elementwise.ts for float32 operands whose
 * broadcast coalesces to at most two dimensions with unit or zero inner strides (equal
 * shapes, scalars, bias rows, columns): the common cases. false otherwise.
 */
export function binary(ctx: JobContext, op: BinaryOpName | CompareOpName, a: TensorData, aShape: Shape, b: TensorData, bShape: Shape, out: TensorData, outShape: Shape): boolean {
  if (!ctx.ready() || !(a instanceof Float32Array) || !(b instanceof Float32Array) || !(out instanceof Float32Array)) return false;
  const size = out.length;
  if (size < ctx.tuning.minWasmElementwise) return false;
  const merged = coalesce(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
  const dims = merged.shape;
  if (dims.length > 2) return false;
  const [as, bs] = merged.strides as [number[], number[]];
  const rank = dims.length;
  const cols = rank === 0 ? 1 : dims[rank - 1]!;
  const rows = rank === 2 ? dims[0]! : 1;
  const ac = rank === 0 ? 0 : as[rank - 1]!;
  const bc = rank === 0 ? 0 : bs[rank - 1]!;
  if (ac > 1 || bc > 1) return false;
  const ar = rank === 2 ? as[0]! : 0;
  const br = rank === 2 ? bs[0]! : 0;
  const e = ctx.engine;
  const nt = ctx.threadsFor(4 * size, 4 * size, size >> 16);
  e.reset();
  const pa = e.alloc(a.length * 4 + 16);
  const pb = e.alloc(b.length * 4 + 16);
  const po = e.alloc(size * 4 + 16);
  if (!e.commit()) return false;
  e.put(pa, a);
  e.put(pb, b);
  e.args([BINARY_CODES.indexOf(op), rows, cols, pa, ar, ac, pb, br, bc, po]);
  e.run('binary', nt);
  e.get(po, out, size);
  return true;
}

/** x viewed as [P, R, Q] with R the merged reduced axes, or null when they do not merge into one run. */
function reducedRun(shape: Shape, axes: readonly number[]): [number, number, number] | null {
  // Merge neighbouring dimensions that are both reduced or both kept (size 1 dropped).
  const sizes: number[] = [];
  const reduced: boolean[] = [];
  shape.forEach((n, d) => {
    if (n === 1) return;
    const r = axes.includes(d);
    if (sizes.length && reduced[reduced.length - 1] === r) sizes[sizes.length - 1]! *= n;
    else {
      sizes.push(n);
      reduced.push(r);
    }
  });
  const at = reduced.indexOf(true);
  if (at < 0 || reduced.lastIndexOf(true) !== at || sizes.length > 3) return null;
  return [at > 0 ? sizes[0]! : 1, sizes[at]!, at < sizes.length - 1 ? sizes[sizes.length - 1]! : 1];
}

/**
 * Same contract as `sum` in kernels/reduce.ts for float32 when the reduced axes merge
 * into one run (x viewed as [P, R, Q], R reduced): whole sums, row sums, column sums.
 * false otherwise.
 */
export function sum(ctx: JobContext, x: TensorData, shape: Shape, axes: readonly number[], out: TensorData): boolean {
  return reduction(ctx, 'reduceSum', x, shape, axes, out);
}

/**
 * Same contract as `max` in kernels/reduce.ts for float32 over columns (x viewed as
 * [P, R, Q], R reduced, Q > 1: a masked max pooling over time): NaN if any is NaN, the
 * first of equal values kept. false otherwise (row maxima stay in TypeScript, where a
 * row is already one pass).
 */
export function max(ctx: JobContext, x: TensorData, shape: Shape, axes: readonly number[], out: TensorData): boolean {
  return reduction(ctx, 'reduceMax', x, shape, axes, out);
}

/** `sum` or `max` over one merged run of axes; reduceSum also takes a float64 accumulator per thread. */
function reduction(ctx: JobContext, kind: 'reduceSum' | 'reduceMax', x: TensorData, shape: Shape, axes: readonly number[], out: TensorData): boolean {
  if (!ctx.ready() || !(x instanceof Float32Array) || !(out instanceof Float32Array)) return false;
  if (x.length < ctx.tuning.minWasmElementwise || out.length === 0) return false;
  const run = reducedRun(shape, axes);
  if (!run || (kind === 'reduceMax' && run[2] === 1)) return false;
  const [P, R, Q] = run;
  const e = ctx.engine;
  const nt = ctx.threadsFor(x.length, x.length, Math.max(P, Q >> 4));
  const scratchStride = kind === 'reduceSum' ? Math.ceil((Q * 8) / 64) * 64 + 64 : 0;
  e.reset();
  const px = e.alloc(x.length * 4 + 16);
  const po = e.alloc(out.length * 4 + 16);
  const ps = e.alloc(scratchStride * nt);
  if (!e.commit()) return false;
  e.put(px, x);
  e.args([P, R, Q, px, po, ps, scratchStride]);
  e.run(kind, nt);
  e.get(po, out, out.length);
  return true;
}

/**
 * Same contract as `unary` in kernels/elementwise.ts for float32 exp, tanh, sigmoid, neg,
 * abs, sqrt and relu. exp, tanh and sigmoid are the vector approximations of the LSTM
 * kernels (within a few ulp; exact limits); false for log and int32.
 */
export function unary(ctx: JobContext, op: UnaryOpName, x: TensorData, out: TensorData): boolean {
  if (!ctx.ready() || !(x instanceof Float32Array) || !(out instanceof Float32Array)) return false;
  const code = UNARY_CODES.indexOf(op);
  const n = x.length;
  if (code < 0 || n < ctx.tuning.minWasmElementwise) return false;
  const e = ctx.engine;
  const nt = ctx.threadsFor(20 * n, 20 * n, n >> 14);
  e.reset();
  const px = e.alloc(n * 4 + 16);
  const po = e.alloc(n * 4 + 16);
  if (!e.commit()) return false;
  e.put(px, x);
  e.args([code, n, px, po]);
  e.run('unary', nt);
  e.get(po, out, n);
  return true;
}
