import {
  BACKEND_CONTRACT_VERSION,
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
  type AdamStepArgs,
  type AddIntoArgs,
  type AdamStepResult,
  type GruSequenceArgs,
  type GruSequenceBackwardArgs,
  type GruSequenceGradients,
  type GruSequenceResult,
  type LstmSequenceArgs,
  type LstmSequenceEmbeddedArgs,
  type LstmSequenceEmbeddedResult,
  type LstmSequenceBackwardArgs,
  type LstmSequenceGradients,
  type LstmSequenceResult,
  type SoftmaxCrossEntropyArgs,
  type SoftmaxCrossEntropyResult,
  type SumOfSquaresArgs,
  type LogSoftmaxArgs,
} from '@cellstate/tensor';
import { ElementwiseDispatch, dtypeOf, reducedShape, toInt32 } from '@cellstate/tensor/backend-kit';
import { CpuStorage } from './cpu-storage.js';
import { adamStep } from './fused/adam-step.js';
import { gruSequence, gruSequenceBackward } from './fused/gru-sequence.js';
import { lstmSequence, lstmSequenceBackward, lstmSequenceEmbedded } from './fused/lstm-sequence.js';
import * as elementwise from './kernels/elementwise.js';
import * as indexing from './kernels/indexing.js';
import * as matmulKernels from './kernels/matmul.js';
import * as movement from './kernels/movement.js';
import * as random from './kernels/random.js';
import * as reduce from './kernels/reduce.js';
import { softmaxCrossEntropy as softmaxCrossEntropyKernel } from './kernels/softmax-cross-entropy.js';
import { sumOfSquares as sumOfSquaresKernel } from './kernels/sum-of-squares.js';
import { addInto } from './fused/add-into.js';
import { logSoftmax as logSoftmaxKernel } from './kernels/log-softmax.js';
import { WasmKernels, type WasmTuning, type WasmVariant } from './wasm/kernels.js';
import { availableCores } from './wasm/platform.js';

export interface CpuBackendOptions {
  /**
   * Advertise the fused kernels (lstmSequence and gruSequence + backward, softmaxCrossEntropy, adamStep)
   * in `capabilities.fused` (default true). With false the op layer runs the reference
   * compositions from primitives instead: the baseline the benches compare against.
   */
  fused?: boolean;
  /**
   * Run the big kernels (matmul above a size threshold, the fused LSTM forward and
   * backward) as WebAssembly SIMD128 (default true). Without SIMD support, or with false,
   * the plain TypeScript kernels run.
   */
  simd?: boolean;
  /**
   * Threads for the WebAssembly kernels (default: the available cores,
   * `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers).
   * More than one needs shared memory (Node; cross-origin-isolated pages) and workers,
   * else one thread runs. Small jobs run on one thread whatever this says.
   */
  threads?: number;
  /**
   * Use WebAssembly relaxed SIMD where the runtime has it (default true): the GEMM (and
   * so the matmuls and the fused LSTM) runs fused multiply-adds (`f32x4.relaxed_madd`).
   * That pays where adds share the FMA ports (Intel, ARM); on AMD Zen, whose separate
   * add and multiply pipes already retire a multiply and an add per cycle each, the gain
   * measured is small (see docs/benchmarks.md). On by default in Chrome and Edge ≥ 114
   * and Node ≥ 22; Node 20 needs `node --experimental-wasm-relaxed-simd` on the command
   * line (`NODE_OPTIONS` refuses that flag). A fused multiply-add rounds once, so results
   * differ from the SIMD128 build in the last bits; false keeps the SIMD128 build
   * everywhere (the same bits on every machine).
   */
  relaxedSimd?: boolean;
  /** Size thresholds of the WebAssembly path (measured defaults; tests lower them). */
  tuning?: WasmTuning;
  /**
   * Most bytes of released buffers kept for reuse (default 64 MiB; 0: none). Reported
   * as `memory().bytesPooled`; `releasePooled()` frees them.
   */
  poolBytes?: number;
}

/** Which kernels a CPU backend runs (see `CpuBackend.kernelInfo`). */
export interface CpuKernelInfo {
  /** WebAssembly SIMD kernels are in use (false: plain TypeScript only). */
  simd: boolean;
  /** 'st' (one thread, plain memory) or 'mt' (shared memory, worker threads); null without SIMD. */
  variant: WasmVariant | null;
  /** The relaxed-SIMD build runs (fused multiply-add in the GEMM). */
  relaxedSimd: boolean;
  /** Threads a big job may use. */
  threads: number;
  /** Threads started and ready now (workers start on the first big job, or with `ready()`). */
  threadsReady: number;
}

/**
 * The CPU backend: typed arrays with reference counts (`CpuStorage`); every op runs
 * synchronously, in WebAssembly SIMD (`wasm/`) where that pays and in plain TypeScript
 * loops (`kernels/*.ts`) otherwise.
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
export class CpuBackend extends ElementwiseDispatch implements Backend {
  readonly name = 'cpu';
  readonly contractVersion = BACKEND_CONTRACT_VERSION;
  readonly capabilities: BackendCapabilities;

  readonly #s: CpuStorage;
  #wasm: WasmKernels | null;

  constructor(options: CpuBackendOptions = {}) {
    super();
    this.#s = new CpuStorage(options.poolBytes ?? 64 * 2 ** 20);
    const fused = options.fused ?? true;
    const simd = options.simd ?? true;
    const threads = options.threads ?? availableCores();
    this.#wasm = simd ? WasmKernels.create({ threads, relaxedSimd: options.relaxedSimd, ...options.tuning }, this) : null;
    const wasm = this.#wasm;
    if (wasm) this.#s.onForget = (id) => wasm.forgetPacked(id);
    this.capabilities = {
      syncRead: true,
      dtypes: ['float32', 'int32'],
      fused: { lstmSequence: fused, lstmSequenceBackward: fused, lstmSequenceEmbedded: fused, gruSequence: fused, gruSequenceBackward: fused, softmaxCrossEntropy: fused, adamStep: fused, sumOfSquares: fused, logSoftmax: fused, addInto: fused },
      maxBufferBytes: 2 ** 31 - 1,
      isSoftware: false,
    };
  }

  // --- lifecycle

  flush(): void {}

  async sync(): Promise<void> {}

  /**
   * Resolves once the WebAssembly kernels are instantiated (synchronous in Node and
   * workers; asynchronous on a browser's main thread, where the TypeScript kernels run
   * until then) and, with threads > 1, the worker threads have started (otherwise they
   * start on the first big job and join once up).
   */
  async ready(): Promise<void> {
    await this.#wasm?.whenReady();
  }

  /** Which kernels run: WebAssembly SIMD or plain TypeScript, and how many threads. */
  get kernelInfo(): CpuKernelInfo {
    const w = this.#wasm;
    return { simd: w !== null, variant: w?.variant ?? null, relaxedSimd: w?.relaxedSimd ?? false, threads: w?.maxThreads ?? 1, threadsReady: w?.threadsReady ?? 1 };
  }

  /** Bytes of LSTM reserves kept in the WebAssembly memory (engine-wide; for tests and diagnostics). */
  get residentBytes(): number {
    return this.#wasm?.residentBytes ?? 0;
  }

  /** Bytes of weights packed in the WebAssembly memory for reuse (in `memory().bytesPooled`; tests and diagnostics). */
  get packedWeightBytes(): number {
    return this.#wasm?.packedBytes ?? 0;
  }

  /** Frees every buffer and, with the last backend sharing them, terminates the worker threads. */
  dispose(): void {
    this.#s.clear();
    this.#wasm?.dispose();
    this.#wasm = null;
  }

  // --- data and memory

  upload(values: ArrayLike<number>, shape: Shape, dtype: DType): Handle {
    const size = sizeOf(shape);
    if (values.length !== size) {
      throw new ShapeError({ op: 'upload', detail: `${values.length} values do not fill the shape`, expected: size, actual: [...shape] });
    }
    let data: TensorData;
    if (dtype === 'float32') {
      data = this.#f32(size);
      data.set(values); // rounds to float32
    }
    else if (values instanceof Int32Array) data = values.slice();
    else {
      // Like cast: truncate toward zero, NaN -> 0, clamp to the int32 range.
      data = new Int32Array(size);
      for (let i = 0; i < size; i++) data[i] = toInt32(values[i]!);
    }
    return this.#store(data, shape);
  }

  fill(shape: Shape, dtype: DType, value: number): Handle {
    const data = this.#s.alloc(dtype, sizeOf(shape));
    const v = dtype === 'int32' ? toInt32(value) : value;
    if (v !== 0 || Object.is(v, -0)) data.fill(v);
    const h = this.#store(data, shape);
    if (v === 0 && !Object.is(v, -0)) this.#s.markZero(h.id);
    return h;
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
    this.#s.retain(handle);
  }

  release(handle: Handle): void {
    this.#s.release(handle);
  }

  /** The weights packed in the WebAssembly memory for reuse count as pooled bytes. */
  memory(): BackendMemory {
    const m = this.#s.memory();
    const packed = this.#wasm?.packedBytes ?? 0;
    return { ...m, bytesPooled: m.bytesPooled + packed, bytesAllocated: m.bytesAllocated + packed };
  }

  /** Frees the buffers kept for reuse (see `poolBytes`) and the packed weights. */
  releasePooled(): void {
    this.#s.releasePooled();
    this.#wasm?.clearPacked();
  }

  // --- elementwise (neg … equal come from ElementwiseDispatch)

  protected unaryOp(op: UnaryOpName, x: Handle): Handle {
    const xd = this.#data(x, op);
    const out = this.#s.alloc(dtypeOf(xd), xd.length);
    if (!this.#wasm?.unary(op, xd, out)) elementwise.unary(op, xd, out);
    return this.#store(out, x.shape);
  }

  protected binaryOp(op: BinaryOpName | CompareOpName, a: Handle, b: Handle): Handle {
    const ad = this.#data(a, op);
    const bd = this.#data(b, op);
    const shape = broadcastShapes(op, a.shape, b.shape);
    const isCompare = op === 'greater' || op === 'equal';
    const out = this.#s.alloc(isCompare ? 'float32' : dtypeOf(ad), sizeOf(shape));
    if (!this.#wasm?.binary(op, ad, a.shape, bd, b.shape, out, shape)) elementwise.binary(op, ad, a.shape, bd, b.shape, out, shape);
    return this.#store(out, shape);
  }

  where(condition: Handle, a: Handle, b: Handle): Handle {
    const cd = this.#data(condition, 'where');
    const ad = this.#data(a, 'where');
    const bd = this.#data(b, 'where');
    const shape = broadcastShapes('where', condition.shape, a.shape, b.shape);
    const out = this.#s.alloc(dtypeOf(ad), sizeOf(shape));
    elementwise.where(cd, condition.shape, ad, a.shape, bd, b.shape, out, shape);
    return this.#store(out, shape);
  }

  // --- reductions

  sum(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    const xd = this.#data(x, 'sum');
    const shape = reducedShape(x.shape, axes, keepDims);
    const out = this.#s.alloc(dtypeOf(xd), sizeOf(shape));
    if (!this.#wasm?.sum(xd, x.shape, axes, out)) reduce.sum(xd, x.shape, axes, out);
    return this.#store(out, shape);
  }

  max(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    const xd = this.#data(x, 'max');
    const shape = reducedShape(x.shape, axes, keepDims);
    const out = this.#s.alloc(dtypeOf(xd), sizeOf(shape));
    if (!this.#wasm?.max(xd, x.shape, axes, out)) reduce.max(xd, x.shape, axes, out);
    return this.#store(out, shape);
  }

  argmax(x: Handle, axis: number, keepDims: boolean): Handle {
    const xd = this.#data(x, 'argmax');
    const shape = reducedShape(x.shape, [axis], keepDims);
    const out = this.#s.i32(sizeOf(shape));
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
    const out = this.#f32(sizeOf(shape));
    // A matrix b may be a weight multiplied by again: the kernels pack it once from its second use.
    if (!this.#wasm?.matmul(ad, a.shape, bd, b.shape, transposeA, transposeB, out, shape, rb === 2 ? b.id : null)) {
      matmulKernels.matmul(ad, a.shape, bd, b.shape, transposeA, transposeB, out, shape);
    }
    return this.#store(out, shape);
  }

  // --- movement

  transpose(x: Handle, perm: readonly number[]): Handle {
    const xd = this.#data(x, 'transpose');
    const shape = perm.map((p) => x.shape[p]!);
    const out = this.#s.alloc(dtypeOf(xd), xd.length);
    movement.transpose(xd, x.shape, perm, out);
    return this.#store(out, shape);
  }

  slice(x: Handle, begin: readonly number[], size: readonly number[]): Handle {
    const xd = this.#data(x, 'slice');
    const out = this.#s.alloc(dtypeOf(xd), sizeOf(size));
    movement.slice(xd, x.shape, begin, size, out);
    return this.#store(out, size);
  }

  concat(xs: readonly Handle[], axis: number): Handle {
    const datas = xs.map((h) => this.#data(h, 'concat'));
    const shapes = xs.map((h) => h.shape);
    const shape = [...shapes[0]!];
    shape[axis] = 0;
    for (const s of shapes) shape[axis] += s[axis]!;
    const out = this.#s.alloc(dtypeOf(datas[0]!), sizeOf(shape));
    movement.concat(datas, shapes, axis, out);
    return this.#store(out, shape);
  }

  pad(x: Handle, paddings: readonly (readonly [number, number])[], value: number): Handle {
    const xd = this.#data(x, 'pad');
    const shape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const out = this.#s.alloc(dtypeOf(xd), sizeOf(shape));
    movement.pad(xd, x.shape, paddings, value, out);
    return this.#store(out, shape);
  }

  cast(x: Handle, dtype: DType): Handle {
    const xd = this.#data(x, 'cast');
    const out = this.#s.alloc(dtype, xd.length);
    movement.cast(xd, out);
    return this.#store(out, x.shape);
  }

  // --- index

  gather(x: Handle, indices: Handle, axis: number): Handle {
    const xd = this.#data(x, 'gather');
    const id = this.#data(indices, 'gather') as Int32Array;
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const out = this.#s.alloc(dtypeOf(xd), sizeOf(shape));
    indexing.gather(xd, x.shape, id, axis, out);
    return this.#store(out, shape);
  }

  scatterAdd(x: Handle, indices: Handle, updates: Handle, axis: number): Handle {
    const xd = this.#data(x, 'scatterAdd');
    const id = this.#data(indices, 'scatterAdd') as Int32Array;
    const ud = this.#data(updates, 'scatterAdd');
    const out = this.#s.alloc(dtypeOf(xd), xd.length);
    // A gradient of gather scatters into zeros: the fresh output is zeroed already, so
    // the copy of x (as large as an embedding table) is skipped.
    indexing.scatterAdd(xd, x.shape, id, ud, axis, out, this.#s.isZero(x.id));
    return this.#store(out, x.shape);
  }

  // --- random

  randomUniform(shape: Shape, seed: number): Handle {
    const out = this.#f32(sizeOf(shape));
    random.randomUniform(seed, out);
    return this.#store(out, shape);
  }

  randomBernoulli(shape: Shape, p: number, seed: number): Handle {
    const out = this.#f32(sizeOf(shape));
    if (!this.#wasm?.randomBernoulli(p, seed, out)) random.randomBernoulli(p, seed, out);
    return this.#store(out, shape);
  }

  // --- fused (kernels/lstm-sequence*.ts, softmax-cross-entropy.ts, adam-step.ts)

  lstmSequence(args: LstmSequenceArgs): LstmSequenceResult {
    return lstmSequence(this.#s, this.#wasm, args);
  }

  lstmSequenceBackward(args: LstmSequenceBackwardArgs): LstmSequenceGradients {
    return lstmSequenceBackward(this.#s, this.#wasm, args);
  }

  lstmSequenceEmbedded(args: LstmSequenceEmbeddedArgs): LstmSequenceEmbeddedResult {
    return lstmSequenceEmbedded(this.#s, this.#wasm, args);
  }

  gruSequence(args: GruSequenceArgs): GruSequenceResult {
    return gruSequence(this.#s, this.#wasm, args);
  }

  gruSequenceBackward(args: GruSequenceBackwardArgs): GruSequenceGradients {
    return gruSequenceBackward(this.#s, this.#wasm, args);
  }

  softmaxCrossEntropy(args: SoftmaxCrossEntropyArgs): SoftmaxCrossEntropyResult {
    const op = 'softmaxCrossEntropy';
    const [N, C] = args.logits.shape as [number, number];
    const loss = this.#f32(N);
    const probabilities = this.#f32(N * C);
    const logits = this.#float(args.logits, op);
    const labels = this.#data(args.labels, op) as Int32Array;
    if (!this.#wasm?.softmaxCrossEntropy(logits, labels, N, C, loss, probabilities)) {
      softmaxCrossEntropyKernel(logits, labels, N, C, loss, probabilities);
    }
    return { loss: this.#store(loss, [N]), probabilities: this.#store(probabilities, [N, C]) };
  }

  logSoftmax(args: LogSoftmaxArgs): Handle {
    const shape = args.x.shape;
    const C = shape.length === 0 ? 1 : shape[shape.length - 1]!;
    const size = sizeOf(shape);
    const N = C === 0 ? 0 : size / C;
    const x = this.#float(args.x, 'logSoftmax');
    const out = this.#f32(size);
    if (N > 0 && !this.#wasm?.logSoftmax(x, N, C, out)) logSoftmaxKernel(x, N, C, out);
    return this.#store(out, shape);
  }

  sumOfSquares(args: SumOfSquaresArgs): Handle {
    let total = 0;
    for (const h of args.xs) total += sumOfSquaresKernel(this.#float(h, 'sumOfSquares'), sizeOf(h.shape));
    const out = this.#f32(1);
    out[0] = total;
    return this.#store(out, []);
  }

  adamStep(args: AdamStepArgs): AdamStepResult {
    return adamStep(this.#s, this.#wasm, args);
  }

  addInto(args: AddIntoArgs): Handle {
    return addInto(this.#s, args) ?? this.add(args.into, args.x);
  }

  // --- internals

  #f32(size: number): Float32Array {
    return this.#s.f32(size);
  }

  #store(data: TensorData, shape: Shape): Handle {
    return this.#s.store(data, shape);
  }

  #data(handle: Handle, op: string): TensorData {
    return this.#s.data(handle, op);
  }

  #float(handle: Handle, op: string): Float32Array {
    return this.#s.float(handle, op);
  }
}

/**
 * Creates a CPU backend instance for explicit wiring (importing the package also
 * registers one as 'cpu'). Returns the concrete class, so `readSync` is not optional.
 * `{ fused: false }` turns the fused kernels off (the op layer then composes them).
 *
 * @example
 * ```ts
 * const cpu = createCpuBackend();
 * const composed = createCpuBackend({ fused: false });
 * console.log(cpu.capabilities.fused.lstmSequence, composed.capabilities.fused.lstmSequence); // true false
 * ```
 */
export function createCpuBackend(options: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(options);
}
