import {
  BACKEND_CONTRACT_VERSION,
  DisposedTensorError,
  ShapeError,
  broadcastShapes,
  sizeOf,
  type Backend,
  type BackendCapabilities,
  type BackendMemory,
  type BinaryOpName,
  type CompareOpName,
  type DType,
  type Handle,
  type Shape,
  type TensorData,
  type UnaryOpName,
} from '@cellstate/tensor';
import * as elementwise from './kernels/elementwise.js';
import * as indexing from './kernels/indexing.js';
import { allocate, dtypeOf, reducedShape, toInt32 } from './kernels/layout.js';
import * as matmulKernels from './kernels/matmul.js';
import * as movement from './kernels/movement.js';
import * as random from './kernels/random.js';
import * as reduce from './kernels/reduce.js';

interface Storage {
  data: TensorData;
  refs: number;
}

/**
 * The CPU backend: storage is a Map from handle id to a typed array with a reference
 * count; every op runs synchronously in plain TypeScript loops (`kernels/*.ts`).
 *
 * A handle's `shape` (not the storage) says how to read the values: the tensor layer
 * makes reshape views that share an id with a different shape of the same size.
 *
 * @example
 * ```ts
 * import { createCpuBackend } from '@cellstate/backend-cpu';
 * const cpu = createCpuBackend();
 * const a = cpu.upload([1, 2, 3], [3], 'float32');
 * const b = cpu.add(a, a);
 * console.log(cpu.readSync(b)); // Float32Array [2, 4, 6]
 * cpu.release(a);
 * cpu.release(b);
 * ```
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly contractVersion = BACKEND_CONTRACT_VERSION;
  readonly capabilities: BackendCapabilities = {
    syncRead: true,
    dtypes: ['float32', 'int32'],
    fused: { lstmSequence: false, lstmSequenceBackward: false, softmaxCrossEntropy: false, adamStep: false },
    maxBufferBytes: 2 ** 31 - 1,
    isSoftware: false,
  };

  readonly #storage = new Map<number, Storage>();
  #nextId = 1;
  #bytesInUse = 0;

  // --- lifecycle

  flush(): void {}

  async sync(): Promise<void> {}

  dispose(): void {
    this.#storage.clear();
    this.#bytesInUse = 0;
  }

  // --- data and memory

  upload(values: ArrayLike<number>, shape: Shape, dtype: DType): Handle {
    const size = sizeOf(shape);
    if (values.length !== size) {
      throw new ShapeError({ op: 'upload', detail: `${values.length} values do not fill the shape`, expected: size, actual: [...shape] });
    }
    let data: TensorData;
    if (dtype === 'float32') data = new Float32Array(values); // copies, rounds to float32
    else if (values instanceof Int32Array) data = values.slice();
    else {
      // Like cast: truncate toward zero, NaN -> 0, clamp to the int32 range.
      data = new Int32Array(size);
      for (let i = 0; i < size; i++) data[i] = toInt32(values[i]!);
    }
    return this.#store(data, shape);
  }

  fill(shape: Shape, dtype: DType, value: number): Handle {
    const data = allocate(dtype, sizeOf(shape));
    const v = dtype === 'int32' ? toInt32(value) : value;
    if (v !== 0 || Object.is(v, -0)) data.fill(v);
    return this.#store(data, shape);
  }

  async read(handle: Handle): Promise<TensorData> {
    return this.#data(handle, 'read').slice();
  }

  async readMany(handles: readonly Handle[]): Promise<TensorData[]> {
    return handles.map((h) => this.#data(h, 'readMany').slice());
  }

  readSync(handle: Handle): TensorData {
    return this.#data(handle, 'readSync').slice();
  }

  retain(handle: Handle): void {
    const s = this.#storage.get(handle.id);
    if (!s) throw new DisposedTensorError('retain', `storage ${handle.id} on backend 'cpu' was already released`);
    s.refs++;
  }

  release(handle: Handle): void {
    const s = this.#storage.get(handle.id);
    if (!s) throw new DisposedTensorError('release', `storage ${handle.id} on backend 'cpu' was already released`);
    if (--s.refs === 0) {
      this.#storage.delete(handle.id);
      this.#bytesInUse -= s.data.byteLength;
    }
  }

  memory(): BackendMemory {
    return { handles: this.#storage.size, bytesInUse: this.#bytesInUse, bytesPooled: 0, bytesAllocated: this.#bytesInUse };
  }

  // --- unary

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

  // --- binary and compare

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
    return this.#binary('greater', a, b);
  }
  equal(a: Handle, b: Handle): Handle {
    return this.#binary('equal', a, b);
  }

  where(condition: Handle, a: Handle, b: Handle): Handle {
    const cd = this.#data(condition, 'where');
    const ad = this.#data(a, 'where');
    const bd = this.#data(b, 'where');
    const shape = broadcastShapes('where', condition.shape, a.shape, b.shape);
    const out = allocate(dtypeOf(ad), sizeOf(shape));
    elementwise.where(cd, condition.shape, ad, a.shape, bd, b.shape, out, shape);
    return this.#store(out, shape);
  }

  // --- reductions

  sum(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    const xd = this.#data(x, 'sum');
    const shape = reducedShape(x.shape, axes, keepDims);
    const out = allocate(dtypeOf(xd), sizeOf(shape));
    reduce.sum(xd, x.shape, axes, out);
    return this.#store(out, shape);
  }

  max(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    const xd = this.#data(x, 'max');
    const shape = reducedShape(x.shape, axes, keepDims);
    const out = allocate(dtypeOf(xd), sizeOf(shape));
    reduce.max(xd, x.shape, axes, out);
    return this.#store(out, shape);
  }

  argmax(x: Handle, axis: number, keepDims: boolean): Handle {
    const xd = this.#data(x, 'argmax');
    const shape = reducedShape(x.shape, [axis], keepDims);
    const out = new Int32Array(sizeOf(shape));
    reduce.argmax(xd, x.shape, axis, out);
    return this.#store(out, shape);
  }

  // --- matmul

  matmul(a: Handle, b: Handle, transposeA: boolean, transposeB: boolean): Handle {
    const ad = this.#data(a, 'matmul') as Float32Array;
    const bd = this.#data(b, 'matmul') as Float32Array;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    const shape = [...batch, m, n];
    const out = new Float32Array(sizeOf(shape));
    matmulKernels.matmul(ad, a.shape, bd, b.shape, transposeA, transposeB, out, shape);
    return this.#store(out, shape);
  }

  // --- movement

  transpose(x: Handle, perm: readonly number[]): Handle {
    const xd = this.#data(x, 'transpose');
    const shape = perm.map((p) => x.shape[p]!);
    const out = allocate(dtypeOf(xd), xd.length);
    movement.transpose(xd, x.shape, perm, out);
    return this.#store(out, shape);
  }

  slice(x: Handle, begin: readonly number[], size: readonly number[]): Handle {
    const xd = this.#data(x, 'slice');
    const out = allocate(dtypeOf(xd), sizeOf(size));
    movement.slice(xd, x.shape, begin, size, out);
    return this.#store(out, size);
  }

  concat(xs: readonly Handle[], axis: number): Handle {
    const datas = xs.map((h) => this.#data(h, 'concat'));
    const shapes = xs.map((h) => h.shape);
    const shape = [...shapes[0]!];
    shape[axis] = 0;
    for (const s of shapes) shape[axis] += s[axis]!;
    const out = allocate(dtypeOf(datas[0]!), sizeOf(shape));
    movement.concat(datas, shapes, axis, out);
    return this.#store(out, shape);
  }

  pad(x: Handle, paddings: readonly (readonly [number, number])[], value: number): Handle {
    const xd = this.#data(x, 'pad');
    const shape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const out = allocate(dtypeOf(xd), sizeOf(shape));
    movement.pad(xd, x.shape, paddings, value, out);
    return this.#store(out, shape);
  }

  cast(x: Handle, dtype: DType): Handle {
    const xd = this.#data(x, 'cast');
    const out = allocate(dtype, xd.length);
    movement.cast(xd, out);
    return this.#store(out, x.shape);
  }

  // --- index

  gather(x: Handle, indices: Handle, axis: number): Handle {
    const xd = this.#data(x, 'gather');
    const id = this.#data(indices, 'gather') as Int32Array;
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const out = allocate(dtypeOf(xd), sizeOf(shape));
    indexing.gather(xd, x.shape, id, axis, out);
    return this.#store(out, shape);
  }

  scatterAdd(x: Handle, indices: Handle, updates: Handle, axis: number): Handle {
    const xd = this.#data(x, 'scatterAdd');
    const id = this.#data(indices, 'scatterAdd') as Int32Array;
    const ud = this.#data(updates, 'scatterAdd');
    const out = allocate(dtypeOf(xd), xd.length);
    indexing.scatterAdd(xd, x.shape, id, ud, axis, out);
    return this.#store(out, x.shape);
  }

  // --- random

  randomUniform(shape: Shape, seed: number): Handle {
    const out = new Float32Array(sizeOf(shape));
    random.randomUniform(seed, out);
    return this.#store(out, shape);
  }

  randomBernoulli(shape: Shape, p: number, seed: number): Handle {
    const out = new Float32Array(sizeOf(shape));
    random.randomBernoulli(p, seed, out);
    return this.#store(out, shape);
  }

  // --- internals

  #store(data: TensorData, shape: Shape): Handle {
    const id = this.#nextId++;
    this.#storage.set(id, { data, refs: 1 });
    this.#bytesInUse += data.byteLength;
    return { id, shape: [...shape], dtype: dtypeOf(data) };
  }

  /** The values behind `handle` (read as `handle.shape`); throws once the storage is freed. */
  #data(handle: Handle, op: string): TensorData {
    const s = this.#storage.get(handle.id);
    if (!s) throw new DisposedTensorError(op, `storage ${handle.id} on backend 'cpu' was already released`);
    return s.data;
  }

  #unary(op: UnaryOpName, x: Handle): Handle {
    const xd = this.#data(x, op);
    const out = allocate(dtypeOf(xd), xd.length);
    elementwise.unary(op, xd, out);
    return this.#store(out, x.shape);
  }

  #binary(op: BinaryOpName | CompareOpName, a: Handle, b: Handle): Handle {
    const ad = this.#data(a, op);
    const bd = this.#data(b, op);
    const shape = broadcastShapes(op, a.shape, b.shape);
    const isCompare = op === 'greater' || op === 'equal';
    const out = allocate(isCompare ? 'float32' : dtypeOf(ad), sizeOf(shape));
    elementwise.binary(op, ad, a.shape, bd, b.shape, out, shape);
    return this.#store(out, shape);
  }
}

/**
 * Creates a CPU backend instance for explicit wiring (importing the package also
 * registers one as 'cpu'). Returns the concrete class, so `readSync` is not optional.
 */
export function createCpuBackend(): CpuBackend {
  return new CpuBackend();
}
