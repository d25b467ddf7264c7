/**
 * The reference backend: the living spec of every op.
 *
 * Naive, obviously-correct loops over float64 storage, written for clarity and never
 * for speed: every op walks its output multi-indices one by one and computes the input
 * multi-index it reads explicitly. Other backends are checked against it by the
 * conformance suite, and gradient checks use it because it computes "float32" tensors in
 * float64 without rounding, so finite differences stay accurate.
 *
 * Storage rules:
 * - Values live in a `Float64Array` for both dtypes.
 * - `float32` values are kept exactly as computed in float64 (no `Math.fround`); reads
 *   round them to float32. `readFloat64` returns the exact values.
 * - `int32` values are always exact integers in [-2^31, 2^31). Arithmetic wraps like
 *   32-bit two's complement (`| 0`, `Math.imul`); conversions from floats (upload, fill,
 *   pad value, cast) truncate toward zero, map NaN to 0 and clamp to the int32 range.
 *
 * This file shares no kernels with any other backend, on purpose.
 */
import { BACKEND_CONTRACT_VERSION } from '../backend/backend.js';
import type { Backend, BackendCapabilities, BackendMemory } from '../backend/backend.js';
import type { Handle } from '../backend/handle.js';
import type { DType, TensorData } from '../dtype.js';
import { DisposedTensorError, DTypeError, ShapeError } from '../errors.js';
import { bitsToUniform, seedToKey, threefry2x32 } from '../random-bits.js';
import type { Shape } from '../shape.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** One storage: the values and how many handles reference them. */
interface Storage {
  values: Float64Array;
  dtype: DType;
  refs: number;
}

// ---------------------------------------------------------------------------
// Small index helpers (deliberately plain).

/** Number of elements of `shape` (1 for a scalar). */
function sizeOfShape(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides in elements. */
function rowMajorStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** The multi-index of flat position `flat` in a row-major tensor of `shape`. */
function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    index[d] = rest % size;
    rest = Math.floor(rest / size);
  }
  return index;
}

/** The flat position of multi-index `index` in a row-major tensor of `shape`. */
function ravel(index: readonly number[], shape: Shape): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + index[d]!;
  return flat;
}

/** NumPy broadcasting: align from the right; each pair is equal or one of them is 1. */
function broadcastOutputShape(op: string, shapes: readonly Shape[]): number[] {
  let rank = 0;
  for (const s of shapes) rank = Math.max(rank, s.length);
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new ShapeError({ op, detail: 'shapes cannot be broadcast together', actual: shapes.map((x) => [...x]) });
      }
    }
  }
  return out;
}

/**
 * The index into an input of `inShape` that output multi-index `outIndex` reads under
 * broadcasting: leading output dimensions the input lacks are dropped, and dimensions
 * of size 1 always read position 0.
 */
function broadcastSourceIndex(outIndex: readonly number[], inShape: Shape): number[] {
  const offset = outIndex.length - inShape.length;
  const inIndex = new Array<number>(inShape.length).fill(0);
  for (let d = 0; d < inShape.length; d++) inIndex[d] = inShape[d] === 1 ? 0 : outIndex[offset + d]!;
  return inIndex;
}

// ---------------------------------------------------------------------------
// Number conversions.

/** Float -> int32 conversion (upload, fill, pad value, cast): trunc toward zero, NaN -> 0, clamp. */
function convertToInt32(value: number): number {
  if (Number.isNaN(value)) return 0;
  if (value >= INT32_MAX) return INT32_MAX;
  if (value <= INT32_MIN) return INT32_MIN;
  return Math.trunc(value) | 0;
}

/** int32 arithmetic result: wraps modulo 2^32 like a 32-bit register (non-finite -> 0). */
function wrapInt32(value: number): number {
  if (!Number.isFinite(value)) return 0;
  // `| 0` is exact only below 2^53; reduce first so huge intermediate values wrap correctly.
  const reduced = Math.trunc(value) % 4294967296;
  return reduced | 0;
}

/** Converts an incoming value to the storage form of `dtype`. */
function storeAs(dtype: DType, value: number): number {
  return dtype === 'int32' ? convertToInt32(value) : value;
}

/** Stores an arithmetic result as `dtype` (int32 wraps). */
function resultAs(dtype: DType, value: number): number {
  return dtype === 'int32' ? wrapInt32(value) : value;
}

// ---------------------------------------------------------------------------
// Scalar definitions of the elementwise ops.

function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function reluScalar(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x > 0 ? x : 0;
}

function maximumScalar(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return a > b ? a : b;
}

type UnaryName = 'neg' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'sigmoid' | 'relu' | 'abs';
type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'maximum';

function unaryScalar(op: UnaryName, dtype: DType, x: number): number {
  if (dtype === 'int32') {
    switch (op) {
      case 'neg':
        return (-x) | 0; // -(-2^31) wraps to -2^31
      case 'abs':
        return Math.abs(x) | 0; // |-2^31| wraps to -2^31
      case 'relu':
        return x > 0 ? x : 0;
      default:
        return wrapInt32(unaryScalar(op, 'float32', x));
    }
  }
  switch (op) {
    case 'neg':
      return -x;
    case 'exp':
      return Math.exp(x);
    case 'log':
      return Math.log(x);
    case 'sqrt':
      return Math.sqrt(x);
    case 'tanh':
      return Math.tanh(x); // stays in [-1, 1] for any finite or infinite x
    case 'sigmoid':
      return sigmoidScalar(x);
    case 'relu':
      return reluScalar(x);
    case 'abs':
      return Math.abs(x);
  }
}

function binaryScalar(op: BinaryName, dtype: DType, a: number, b: number): number {
  if (dtype === 'int32') {
    switch (op) {
      case 'add':
        return (a + b) | 0;
      case 'sub':
        return (a - b) | 0;
      case 'mul':
        return Math.imul(a, b);
      case 'div':
        // Not part of the contract (div is float32 only); truncating division, x/0 -> 0.
        return b === 0 ? 0 : wrapInt32(a / b);
      case 'maximum':
        return a > b ? a : b;
    }
  }
  switch (op) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      return a / b;
    case 'maximum':
      return maximumScalar(a, b);
  }
}

// ---------------------------------------------------------------------------

/**
 * The float64 reference implementation of the Backend contract.
 *
 * @example
 * ```ts
 * import { createReferenceBackend } from '@cellstate/tensor/testing';
 * const backend = createReferenceBackend();
 * const a = backend.upload([1, 2, 3], [3], 'float32');
 * const b = backend.exp(a);
 * backend.readFloat64(b); // Float64Array [e, e^2, e^3] in full float64 precision
 * ```
 */
export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  readonly contractVersion = BACKEND_CONTRACT_VERSION;
  readonly capabilities: BackendCapabilities = {
    syncRead: true,
    dtypes: ['float32', 'int32'],
    fused: { lstmSequence: false, lstmSequenceBackward: false, softmaxCrossEntropy: false, adamStep: false, sumOfSquares: false, logSoftmax: false },
    maxBufferBytes: Number.MAX_SAFE_INTEGER,
    isSoftware: true,
  };

  readonly #storages = new Map<number, Storage>();
  #nextId = 1;
  #disposed = false;

  // --- storage plumbing -----------------------------------------------------

  /** Creates a storage holding `values` (already in storage form) and returns its handle. */
  #create(values: Float64Array, shape: Shape, dtype: DType): Handle {
    if (this.#disposed) throw new DisposedTensorError('reference', 'the backend was disposed');
    const id = this.#nextId++;
    this.#storages.set(id, { values, dtype, refs: 1 });
    return { id, shape: [...shape], dtype };
  }

  /** The storage behind `handle`; throws if it was freed or never existed. */
  #storage(op: string, handle: Handle): Storage {
    const storage = this.#storages.get(handle.id);
    if (storage === undefined) throw new DisposedTensorError(op, `handle ${handle.id} refers to freed or unknown storage`);
    return storage;
  }

  /** The values of `handle`, checked against the handle's shape and dtype (views share storage). */
  #values(op: string, handle: Handle): Float64Array {
    const storage = this.#storage(op, handle);
    if (storage.dtype !== handle.dtype) {
      throw new DTypeError({ op, detail: `handle ${handle.id} says ${handle.dtype} but its storage holds ${storage.dtype}` });
    }
    if (sizeOfShape(handle.shape) !== storage.values.length) {
      throw new ShapeError({
        op,
        detail: `handle ${handle.id} shape does not match its storage of ${storage.values.length} elements`,
        actual: [...handle.shape],
      });
    }
    return storage.values;
  }

  // --- lifecycle ----------------------------------------------------------------

  flush(): void {}

  sync(): Promise<void> {
    return Promise.resolve();
  }

  dispose(): void {
    this.#storages.clear();
    this.#disposed = true;
  }

  // --- data and memory ------------------------------------------------------------

  upload(values: ArrayLike<number>, shape: Shape, dtype: DType): Handle {
    const size = sizeOfShape(shape);
    if (values.length !== size) {
      throw new ShapeError({ op: 'upload', detail: `${values.length} values do not fill the shape`, expected: size, actual: [...shape] });
    }
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = storeAs(dtype, values[i]!);
    return this.#create(out, shape, dtype);
  }

  fill(shape: Shape, dtype: DType, value: number): Handle {
    const out = new Float64Array(sizeOfShape(shape));
    const stored = storeAs(dtype, value);
    for (let i = 0; i < out.length; i++) out[i] = stored;
    return this.#create(out, shape, dtype);
  }

  readSync(handle: Handle): TensorData {
    const values = this.#values('read', handle);
    return handle.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
  }

  read(handle: Handle): Promise<TensorData> {
    try {
      return Promise.resolve(this.readSync(handle));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  readMany(handles: readonly Handle[]): Promise<TensorData[]> {
    try {
      return Promise.resolve(handles.map((h) => this.readSync(h)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The exact float64 values behind `handle` (a copy). Not part of the Backend contract. */
  readFloat64(handle: Handle): Float64Array {
    return Float64Array.from(this.#values('readFloat64', handle));
  }

  retain(handle: Handle): void {
    this.#storage('retain', handle).refs += 1;
  }

  release(handle: Handle): void {
    const storage = this.#storage('release', handle);
    storage.refs -= 1;
    if (storage.refs === 0) this.#storages.delete(handle.id);
  }

  memory(): BackendMemory {
    let bytes = 0;
    for (const storage of this.#storages.values()) bytes += storage.values.length * 4;
    return { handles: this.#storages.size, bytesInUse: bytes, bytesPooled: 0, bytesAllocated: bytes };
  }

  // --- unary ----------------------------------------------------------------------

  #unary(op: UnaryName, x: Handle): Handle {
    const xs = this.#values(op, x);
    const out = new Float64Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = unaryScalar(op, x.dtype, xs[i]!);
    return this.#create(out, x.shape, x.dtype);
  }

  neg(x: Handle): Handle {
    return this.#unary('neg', x);
  }
  exp(x: Handle): Handle {
    return this.#unary('exp', x);
  }
  log(x: Handle): Handle {
    return this.#unary('log', x);
  }
  sqrt(x: Handle): Handle {
    return this.#unary('sqrt', x);
  }
  tanh(x: Handle): Handle {
    return this.#unary('tanh', x);
  }
  sigmoid(x: Handle): Handle {
    return this.#unary('sigmoid', x);
  }
  relu(x: Handle): Handle {
    return this.#unary('relu', x);
  }
  abs(x: Handle): Handle {
    return this.#unary('abs', x);
  }

  // --- broadcasting elementwise ------------------------------------------------------

  /**
   * Evaluates `f` at every output multi-index of the broadcast of `inputs`; `f` gets the
   * value each input holds at its broadcast source index.
   */
  #broadcastMap(op: string, inputs: readonly Handle[], outDType: DType, f: (values: number[]) => number): Handle {
    const data = inputs.map((h) => this.#values(op, h));
    const outShape = broadcastOutputShape(
      op,
      inputs.map((h) => h.shape),
    );
    const size = sizeOfShape(outShape);
    const out = new Float64Array(size);
    for (let flat = 0; flat < size; flat++) {
      const outIndex = unravel(flat, outShape);
      const operands = inputs.map((h, k) => data[k]![ravel(broadcastSourceIndex(outIndex, h.shape), h.shape)]!);
      out[flat] = f(operands);
    }
    return this.#create(out, outShape, outDType);
  }

  #binary(op: BinaryName, a: Handle, b: Handle): Handle {
    return this.#broadcastMap(op, [a, b], a.dtype, ([x, y]) => binaryScalar(op, a.dtype, x!, y!));
  }

  add(a: Handle, b: Handle): Handle {
    return this.#binary('add', a, b);
  }
  sub(a: Handle, b: Handle): Handle {
    return this.#binary('sub', a, b);
  }
  mul(a: Handle, b: Handle): Handle {
    return this.#binary('mul', a, b);
  }
  div(a: Handle, b: Handle): Handle {
    return this.#binary('div', a, b);
  }
  maximum(a: Handle, b: Handle): Handle {
    return this.#binary('maximum', a, b);
  }

  greater(a: Handle, b: Handle): Handle {
    return this.#broadcastMap('greater', [a, b], 'float32', ([x, y]) => (x! > y! ? 1 : 0));
  }

  equal(a: Handle, b: Handle): Handle {
    return this.#broadcastMap('equal', [a, b], 'float32', ([x, y]) => (x! === y! ? 1 : 0));
  }

  where(condition: Handle, a: Handle, b: Handle): Handle {
    // `c !== 0` is true for NaN, so a NaN condition selects `a`.
    return this.#broadcastMap('where', [condition, a, b], a.dtype, ([c, x, y]) => (c !== 0 ? x! : y!));
  }

  // --- reductions --------------------------------------------------------------------

  /**
   * For every output position of reducing `axes` of `x`, visits all input values that
   * fold into it (in row-major order of the reduced dimensions) and combines them.
   */
  #reduce(
    op: string,
    x: Handle,
    axes: readonly number[],
    keepDims: boolean,
    outDType: DType,
    initial: number,
    combine: (acc: number, value: number) => number,
  ): Handle {
    const xs = this.#values(op, x);
    const shape = x.shape;
    const isReduced = shape.map((_, d) => axes.includes(d));
    // The output with kept dimensions: reduced dimensions have size 1.
    const keptShape = shape.map((d, i) => (isReduced[i] ? 1 : d));
    const outShape = keepDims ? keptShape : shape.filter((_, i) => !isReduced[i]);
    const reducedShape = axes.map((a) => shape[a]!);
    const outSize = sizeOfShape(keptShape);
    const reducedSize = sizeOfShape(reducedShape);
    const out = new Float64Array(outSize);
    for (let o = 0; o < outSize; o++) {
      const keptIndex = unravel(o, keptShape);
      let acc = initial;
      for (let r = 0; r < reducedSize; r++) {
        const reducedIndex = unravel(r, reducedShape);
        const inIndex = [...keptIndex];
        axes.forEach((axis, k) => {
          inIndex[axis] = reducedIndex[k]!;
        });
        acc = combine(acc, xs[ravel(inIndex, shape)]!);
      }
      out[o] = acc;
    }
    return this.#create(out, outShape, outDType);
  }

  sum(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    const combine = x.dtype === 'int32' ? (acc: number, v: number) => (acc + v) | 0 : (acc: number, v: number) => acc + v;
    return this.#reduce('sum', x, axes, keepDims, x.dtype, 0, combine);
  }

  max(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    const initial = x.dtype === 'int32' ? INT32_MIN : Number.NEGATIVE_INFINITY;
    return this.#reduce('max', x, axes, keepDims, x.dtype, initial, maximumScalar);
  }

  argmax(x: Handle, axis: number, keepDims: boolean): Handle {
    const xs = this.#values('argmax', x);
    const shape = x.shape;
    const keptShape = shape.map((d, i) => (i === axis ? 1 : d));
    const outShape = keepDims ? keptShape : shape.filter((_, i) => i !== axis);
    const outSize = sizeOfShape(keptShape);
    const length = shape[axis]!;
    const out = new Float64Array(outSize);
    for (let o = 0; o < outSize; o++) {
      const inIndex = unravel(o, keptShape);
      // An empty axis (rejected by the op layer) gives 0.
      let best = 0;
      let bestValue = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < length; j++) {
        inIndex[axis] = j;
        const v = xs[ravel(inIndex, shape)]!;
        if (Number.isNaN(v)) {
          best = j; // the first NaN is the maximum
          break;
        }
        if (j === 0 || v > bestValue) {
          best = j;
          bestValue = v;
        }
      }
      out[o] = best;
    }
    return this.#create(out, outShape, 'int32');
  }

  // --- matmul ------------------------------------------------------------------------

  matmul(a: Handle, b: Handle, transposeA: boolean, transposeB: boolean): Handle {
    const as = this.#values('matmul', a);
    const bs = this.#values('matmul', b);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    if (k !== kb) throw new ShapeError({ op: 'matmul', detail: 'inner dimensions differ', actual: [[...a.shape], [...b.shape]] });
    const aBatch = a.shape.slice(0, -2);
    const bBatch = b.shape.slice(0, -2);
    const batch = broadcastOutputShape('matmul', [aBatch, bBatch]);
    const outShape = [...batch, m, n];
    const size = sizeOfShape(outShape);
    const isInt = a.dtype === 'int32';
    const out = new Float64Array(size);
    for (let flat = 0; flat < size; flat++) {
      const outIndex = unravel(flat, outShape);
      const batchIndex = outIndex.slice(0, -2);
      const i = outIndex[outIndex.length - 2]!;
      const j = outIndex[outIndex.length - 1]!;
      const aBatchIndex = broadcastSourceIndex(batchIndex, aBatch);
      const bBatchIndex = broadcastSourceIndex(batchIndex, bBatch);
      let acc = 0;
      for (let p = 0; p < k; p++) {
        // a[i, p] is stored at [p, i] when transposed; b[p, j] at [j, p].
        const aIndex = [...aBatchIndex, ...(transposeA ? [p, i] : [i, p])];
        const bIndex = [...bBatchIndex, ...(transposeB ? [j, p] : [p, j])];
        const av = as[ravel(aIndex, a.shape)]!;
        const bv = bs[ravel(bIndex, b.shape)]!;
        acc = isInt ? (acc + Math.imul(av, bv)) | 0 : acc + av * bv;
      }
      out[flat] = acc;
    }
    return this.#create(out, outShape, a.dtype);
  }

  // --- movement ----------------------------------------------------------------------

  transpose(x: Handle, perm: readonly number[]): Handle {
    const xs = this.#values('transpose', x);
    const outShape = perm.map((p) => x.shape[p]!);
    const size = sizeOfShape(outShape);
    const out = new Float64Array(size);
    for (let flat = 0; flat < size; flat++) {
      const outIndex = unravel(flat, outShape);
      // Output dimension d is input dimension perm[d].
      const inIndex = new Array<number>(x.shape.length).fill(0);
      perm.forEach((p, d) => {
        inIndex[p] = outIndex[d]!;
      });
      out[flat] = xs[ravel(inIndex, x.shape)]!;
    }
    return this.#create(out, outShape, x.dtype);
  }

  slice(x: Handle, begin: readonly number[], size: readonly number[]): Handle {
    const xs = this.#values('slice', x);
    const outShape = [...size];
    const total = sizeOfShape(outShape);
    const out = new Float64Array(total);
    for (let flat = 0; flat < total; flat++) {
      const outIndex = unravel(flat, outShape);
      const inIndex = outIndex.map((v, d) => v + begin[d]!);
      out[flat] = xs[ravel(inIndex, x.shape)]!;
    }
    return this.#create(out, outShape, x.dtype);
  }

  concat(xs: readonly Handle[], axis: number): Handle {
    const data = xs.map((h) => this.#values('concat', h));
    const first = xs[0]!;
    const outShape = [...first.shape];
    outShape[axis] = xs.reduce((total, h) => total + h.shape[axis]!, 0);
    const size = sizeOfShape(outShape);
    const out = new Float64Array(size);
    for (let flat = 0; flat < size; flat++) {
      const outIndex = unravel(flat, outShape);
      // Find the input that holds this position along `axis`.
      let position = outIndex[axis]!;
      let t = 0;
      while (position >= xs[t]!.shape[axis]!) {
        position -= xs[t]!.shape[axis]!;
        t++;
      }
      const inIndex = [...outIndex];
      inIndex[axis] = position;
      out[flat] = data[t]![ravel(inIndex, xs[t]!.shape)]!;
    }
    return this.#create(out, outShape, first.dtype);
  }

  pad(x: Handle, paddings: readonly (readonly [number, number])[], value: number): Handle {
    const xs = this.#values('pad', x);
    const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
    const fillValue = storeAs(x.dtype, value);
    const size = sizeOfShape(outShape);
    const out = new Float64Array(size);
    for (let flat = 0; flat < size; flat++) {
      const outIndex = unravel(flat, outShape);
      const inIndex = outIndex.map((v, d) => v - paddings[d]![0]);
      const inside = inIndex.every((v, d) => v >= 0 && v < x.shape[d]!);
      out[flat] = inside ? xs[ravel(inIndex, x.shape)]! : fillValue;
    }
    return this.#create(out, outShape, x.dtype);
  }

  cast(x: Handle, dtype: DType): Handle {
    const xs = this.#values('cast', x);
    const out = new Float64Array(xs.length);
    // int32 -> float32 is exact (every int32 is a float64); float32 -> int32 truncates.
    for (let i = 0; i < xs.length; i++) out[i] = storeAs(dtype, xs[i]!);
    return this.#create(out, x.shape, dtype);
  }

  // --- index ---------------------------------------------------------------------------

  gather(x: Handle, indices: Handle, axis: number): Handle {
    const xs = this.#values('gather', x);
    const is = this.#values('gather', indices);
    const outer = x.shape.slice(0, axis);
    const inner = x.shape.slice(axis + 1);
    const outShape = [...outer, ...indices.shape, ...inner];
    const axisSize = x.shape[axis]!;
    const size = sizeOfShape(outShape);
    const out = new Float64Array(size);
    for (let flat = 0; flat < size; flat++) {
      const outIndex = unravel(flat, outShape);
      const outerIndex = outIndex.slice(0, outer.length);
      const indicesIndex = outIndex.slice(outer.length, outer.length + indices.shape.length);
      const innerIndex = outIndex.slice(outer.length + indices.shape.length);
      const j = is[ravel(indicesIndex, indices.shape)]!;
      out[flat] = j >= 0 && j < axisSize ? xs[ravel([...outerIndex, j, ...innerIndex], x.shape)]! : 0;
    }
    return this.#create(out, outShape, x.dtype);
  }

  scatterAdd(x: Handle, indices: Handle, updates: Handle, axis: number): Handle {
    const xs = this.#values('scatterAdd', x);
    const is = this.#values('scatterAdd', indices);
    const us = this.#values('scatterAdd', updates);
    const out = Float64Array.from(xs);
    const outerRank = axis;
    const axisSize = x.shape[axis]!;
    // Walk every update element and add it where its index points.
    const updateSize = sizeOfShape(updates.shape);
    for (let flat = 0; flat < updateSize; flat++) {
      const updateIndex = unravel(flat, updates.shape);
      const outerIndex = updateIndex.slice(0, outerRank);
      const indicesIndex = updateIndex.slice(outerRank, outerRank + indices.shape.length);
      const innerIndex = updateIndex.slice(outerRank + indices.shape.length);
      const j = is[ravel(indicesIndex, indices.shape)]!;
      if (j < 0 || j >= axisSize) continue; // out-of-range indices are ignored
      const target = ravel([...outerIndex, j, ...innerIndex], x.shape);
      out[target] = resultAs(x.dtype, out[target]! + us[flat]!);
    }
    return this.#create(out, x.shape, x.dtype);
  }

  // --- random --------------------------------------------------------------------------

  /** Element i draws counter (i low 32 bits, i high bits) under the key of `seed`. */
  #uniformValues(shape: Shape, seed: number): Float64Array {
    const [k0, k1] = seedToKey(seed);
    const out = new Float64Array(sizeOfShape(shape));
    for (let i = 0; i < out.length; i++) {
      out[i] = bitsToUniform(threefry2x32(k0, k1, i >>> 0, Math.floor(i / 4294967296) >>> 0));
    }
    return out;
  }

  randomUniform(shape: Shape, seed: number): Handle {
    return this.#create(this.#uniformValues(shape, seed), shape, 'float32');
  }

  randomBernoulli(shape: Shape, p: number, seed: number): Handle {
    const u = this.#uniformValues(shape, seed);
    const out = new Float64Array(u.length);
    for (let i = 0; i < u.length; i++) out[i] = u[i]! < p ? 1 : 0;
    return this.#create(out, shape, 'float32');
  }
}

/** A fresh reference backend (float64 storage, synchronous reads). */
export function createReferenceBackend(): ReferenceBackend {
  return new ReferenceBackend();
}
