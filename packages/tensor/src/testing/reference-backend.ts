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
 * This file shares no kernels with any other backend, on purpose (only shape helpers and
 * the contract's int32 conversion rule, from the backend kit).
 */
import { BACKEND_CONTRACT_VERSION } from '../backend/backend.js';
import type { Backend, BackendCapabilities, BackendMemory } from '../backend/backend.js';
import type { Handle } from '../backend/handle.js';
import type { BinaryOpName, CompareOpName, UnaryOpName } from '../backend/primitive-ops.js';
import { ElementwiseDispatch } from '../backend-kit/elementwise-dispatch.js';
import type { DType, TensorData } from '../dtype.js';
import { DisposedTensorError, DTypeError, ShapeError } from '../errors.js';
import { bitsToUniform, seedToKey, threefry2x32 } from '../random-bits.js';
import { broadcastShapes, sizeOf, type Shape } from '../shape.js';
import { broadcastSourceIndex, ravel, unravel } from './reference-indexing.js';
import { binaryScalar, maximumScalar, resultAs, storeAs, unaryScalar } from './reference-scalars.js';

const INT32_MIN = -2147483648;

/** One storage: the values and how many handles reference them. */
interface Storage {
  values: Float64Array;
  dtype: DType;
  refs: number;
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
export class ReferenceBackend extends ElementwiseDispatch implements Backend {
  readonly name = 'reference';
  readonly contractVersion = BACKEND_CONTRACT_VERSION;
  readonly capabilities: BackendCapabilities = {
    syncRead: true,
    dtypes: ['float32', 'int32'],
    fused: { lstmSequence: false, lstmSequenceBackward: false, lstmSequenceEmbedded: false, gruSequence: false, gruSequenceBackward: false, softmaxCrossEntropy: false, adamStep: false, sumOfSquares: false, logSoftmax: false, addInto: false },
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
    if (sizeOf(handle.shape) !== storage.values.length) {
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
    const size = sizeOf(shape);
    if (values.length !== size) {
      throw new ShapeError({ op: 'upload', detail: `${values.length} values do not fill the shape`, expected: size, actual: [...shape] });
    }
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = storeAs(dtype, values[i]!);
    return this.#create(out, shape, dtype);
  }

  fill(shape: Shape, dtype: DType, value: number): Handle {
    const out = new Float64Array(sizeOf(shape));
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

  // --- broadcasting elementwise ------------------------------------------------------

  /**
   * Evaluates `f` at every output multi-index of the broadcast of `inputs`; `f` gets the
   * value each input holds at its broadcast source index.
   */
  #broadcastMap(op: string, inputs: readonly Handle[], outDType: DType, f: (values: number[]) => number): Handle {
    const data = inputs.map((h) => this.#values(op, h));
    const outShape = broadcastShapes(op, ...inputs.map((h) => h.shape));
    const size = sizeOf(outShape);
    const out = new Float64Array(size);
    for (let flat = 0; flat < size; flat++) {
      const outIndex = unravel(flat, outShape);
      const operands = inputs.map((h, k) => data[k]![ravel(broadcastSourceIndex(outIndex, h.shape), h.shape)]!);
      out[flat] = f(operands);
    }
    return this.#create(out, outShape, outDType);
  }

  protected unaryOp(op: UnaryOpName, x: Handle): Handle {
    const xs = this.#values(op, x);
    const out = new Float64Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = unaryScalar(op, x.dtype, xs[i]!);
    return this.#create(out, x.shape, x.dtype);
  }

  /** Arithmetic keeps a's dtype; compares give float32 1 or 0. */
  protected binaryOp(op: BinaryOpName | CompareOpName, a: Handle, b: Handle): Handle {
    if (op === 'greater') return this.#broadcastMap(op, [a, b], 'float32', ([x, y]) => (x! > y! ? 1 : 0));
    if (op === 'equal') return this.#broadcastMap(op, [a, b], 'float32', ([x, y]) => (x! === y! ? 1 : 0));
    return this.#broadcastMap(op, [a, b], a.dtype, ([x, y]) => binaryScalar(op, a.dtype, x!, y!));
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
    const outSize = sizeOf(keptShape);
    const reducedSize = sizeOf(reducedShape);
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
    const outSize = sizeOf(keptShape);
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
    const batch = broadcastShapes('matmul', aBatch, bBatch);
    const outShape = [...batch, m, n];
    const size = sizeOf(outShape);
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
    const size = sizeOf(outShape);
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
    const total = sizeOf(outShape);
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
    const size = sizeOf(outShape);
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
    const size = sizeOf(outShape);
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
    const size = sizeOf(outShape);
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
    const updateSize = sizeOf(updates.shape);
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
    const out = new Float64Array(sizeOf(shape));
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
