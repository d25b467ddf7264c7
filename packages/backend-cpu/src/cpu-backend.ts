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
  type AdamStepArgs,
  type AdamStepResult,
  type LstmSequenceArgs,
  type LstmSequenceBackwardArgs,
  type LstmSequenceGradients,
  type LstmSequenceResult,
  type SoftmaxCrossEntropyArgs,
  type SoftmaxCrossEntropyResult,
  type SumOfSquaresArgs,
  type LogSoftmaxArgs,
} from '@cellstate/tensor';
import { adamStep as adamStepKernel } from './kernels/adam-step.js';
import * as elementwise from './kernels/elementwise.js';
import * as indexing from './kernels/indexing.js';
import { lstmSequenceBackward as lstmSequenceBackwardKernel } from './kernels/lstm-sequence-backward.js';
import { dtypeOf, lstmReserveLayout, reducedShape, toInt32 } from '@cellstate/tensor/backend-kit';
import { lstmSequence as lstmSequenceKernel } from './kernels/lstm-sequence.js';
import * as matmulKernels from './kernels/matmul.js';
import * as movement from './kernels/movement.js';
import * as random from './kernels/random.js';
import * as reduce from './kernels/reduce.js';
import { softmaxCrossEntropy as softmaxCrossEntropyKernel } from './kernels/softmax-cross-entropy.js';
import { sumOfSquares as sumOfSquaresKernel } from './kernels/sum-of-squares.js';
import { logSoftmax as logSoftmaxKernel } from './kernels/log-softmax.js';
import { ResidentReserve, WasmKernels, type WasmTuning, type WasmVariant } from './wasm/kernels.js';
import { availableCores } from './wasm/platform.js';
import { BufferPool } from './buffer-pool.js';

export interface CpuBackendOptions {
  /**
   * Advertise the fused kernels (lstmSequence + backward, softmaxCrossEntropy, adamStep)
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

interface Storage {
  /** The values; empty while they are `resident` in the WebAssembly memory. */
  data: TensorData;
  /** Values left in the kernels' linear memory (an LSTM reserve, Adam moments), copied out only when read. */
  resident: ResidentReserve | null;
  bytes: number;
  refs: number;
  /** Known to hold only +0 (made by fill(0)); storages never change after they are made. */
  zero?: boolean;
}

const NO_DATA = new Float32Array(0);

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
  readonly capabilities: BackendCapabilities;

  readonly #storage = new Map<number, Storage>();
  #nextId = 1;
  #bytesInUse = 0;
  #wasm: WasmKernels | null;
  readonly #pool: BufferPool;

  constructor(options: CpuBackendOptions = {}) {
    this.#pool = new BufferPool({ maxBytes: options.poolBytes ?? 64 * 2 ** 20 });
    const fused = options.fused ?? true;
    const simd = options.simd ?? true;
    const threads = options.threads ?? availableCores();
    this.#wasm = simd ? WasmKernels.create({ threads, relaxedSimd: options.relaxedSimd, ...options.tuning }, this) : null;
    this.capabilities = {
      syncRead: true,
      dtypes: ['float32', 'int32'],
      fused: { lstmSequence: fused, lstmSequenceBackward: fused, softmaxCrossEntropy: fused, adamStep: fused, sumOfSquares: fused, logSoftmax: fused },
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

  /** Frees every buffer and, with the last backend sharing them, terminates the worker threads. */
  dispose(): void {
    for (const s of this.#storage.values()) s.resident?.free();
    this.#storage.clear();
    this.#pool.clear();
    this.#bytesInUse = 0;
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
    const data = this.#pool.alloc(dtype, sizeOf(shape));
    const v = dtype === 'int32' ? toInt32(value) : value;
    if (v !== 0 || Object.is(v, -0)) data.fill(v);
    const h = this.#store(data, shape);
    if (v === 0 && !Object.is(v, -0)) this.#storage.get(h.id)!.zero = true;
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
    const s = this.#storage.get(handle.id);
    if (!s) throw new DisposedTensorError('retain', `storage ${handle.id} on backend 'cpu' was already released`);
    s.refs++;
  }

  release(handle: Handle): void {
    const s = this.#storage.get(handle.id);
    if (!s) throw new DisposedTensorError('release', `storage ${handle.id} on backend 'cpu' was already released`);
    if (--s.refs === 0) {
      this.#storage.delete(handle.id);
      this.#bytesInUse -= s.bytes;
      s.resident?.free();
      this.#pool.give(s.data);
    }
  }

  memory(): BackendMemory {
    const pooled = this.#pool.bytes;
    return { handles: this.#storage.size, bytesInUse: this.#bytesInUse, bytesPooled: pooled, bytesAllocated: this.#bytesInUse + pooled };
  }

  /** Frees the buffers kept for reuse (see `poolBytes`). */
  releasePooled(): void {
    this.#pool.clear();
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
    const out = this.#pool.alloc(dtypeOf(ad), sizeOf(shape));
    elementwise.where(cd, condition.shape, ad, a.shape, bd, b.shape, out, shape);
    return this.#store(out, shape);
  }

  // --- reductions

  sum(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    const xd = this.#data(x, 'sum');
    const shape = reducedShape(x.shape, axes, keepDims);
    const out = this.#pool.alloc(dtypeOf(xd), sizeOf(shape));
    if (!this.#wasm?.sum(xd, x.shape, axes, out)) reduce.sum(xd, x.shape, axes, out);
    return this.#store(out, shape);
  }

  max(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    const xd = this.#data(x, 'max');
    const shape = reducedShape(x.shape, axes, keepDims);
    const out = this.#pool.alloc(dtypeOf(xd), sizeOf(shape));
    reduce.max(xd, x.shape, axes, out);
    return this.#store(out, shape);
  }

  argmax(x: Handle, axis: number, keepDims: boolean): Handle {
    const xd = this.#data(x, 'argmax');
    const shape = reducedShape(x.shape, [axis], keepDims);
    const out = this.#i32(sizeOf(shape));
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
    if (!this.#wasm?.matmul(ad, a.shape, bd, b.shape, transposeA, transposeB, out, shape)) {
      matmulKernels.matmul(ad, a.shape, bd, b.shape, transposeA, transposeB, out, shape);
    }
    return this.#store(out, shape);
  }

  // --- movement

  transpose(x: Handle, perm: readonly number[]): Handle {
    const xd = this.#data(x, 'transpose');
    const shape = perm.map((p) => x.shape[p]!);
    const out = this.#pool.alloc(dtypeOf(xd), xd.length);
    movement.transpose(xd, x.shape, perm, out);
    return this.#store(out, shape);
  }

  slice(x: Handle, begin: readonly number[], size: readonly number[]): Handle {
    const xd = this.#data(x, 'slice');
    const out = this.#pool.alloc(dtypeOf(xd), sizeOf(size));
    movement.slice(xd, x.shape, begin, size, out);
    return this.#store(out, size);
  }

  concat(xs: readonly Handle[], axis: number): Handle {
    const datas = xs.map((h) => this.#data(h, 'concat'));
    const shapes = xs.map((h) => h.shape);
    const shape = [...shapes[0]!];
    shape[axis] = 0;
    for (const s of shapes) shape[axis] += s[axis]!;
    const out = this.#pool.alloc(dtypeOf(datas[0]!), sizeOf(shape));
    movement.concat(datas, shapes, axis, out);
    return this.#store(out, shape);
  }

  pad(x: Handle, paddings: readonly (readonly [number, number])[], value: number): Handle {
    const xd = this.#data(x, 'pad');
    const shape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const out = this.#pool.alloc(dtypeOf(xd), sizeOf(shape));
    movement.pad(xd, x.shape, paddings, value, out);
    return this.#store(out, shape);
  }

  cast(x: Handle, dtype: DType): Handle {
    const xd = this.#data(x, 'cast');
    const out = this.#pool.alloc(dtype, xd.length);
    movement.cast(xd, out);
    return this.#store(out, x.shape);
  }

  // --- index

  gather(x: Handle, indices: Handle, axis: number): Handle {
    const xd = this.#data(x, 'gather');
    const id = this.#data(indices, 'gather') as Int32Array;
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const out = this.#pool.alloc(dtypeOf(xd), sizeOf(shape));
    indexing.gather(xd, x.shape, id, axis, out);
    return this.#store(out, shape);
  }

  scatterAdd(x: Handle, indices: Handle, updates: Handle, axis: number): Handle {
    const xd = this.#data(x, 'scatterAdd');
    const id = this.#data(indices, 'scatterAdd') as Int32Array;
    const ud = this.#data(updates, 'scatterAdd');
    const out = this.#pool.alloc(dtypeOf(xd), xd.length);
    // A gradient of gather scatters into zeros: the fresh output is zeroed already, so
    // the copy of x (as large as an embedding table) is skipped.
    indexing.scatterAdd(xd, x.shape, id, ud, axis, out, this.#storage.get(x.id)!.zero === true);
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
    const op = 'lstmSequence';
    const [T, B, I] = args.x.shape as [number, number, number];
    const H = args.wHh.shape[1]!;
    const y = this.#f32(T * B * H);
    const hT = this.#f32(B * H);
    const cT = this.#f32(B * H);
    const size = lstmReserveLayout(T, B, H).size;
    const inputs = [
      this.#float(args.x, op),
      this.#float(args.wIh, op),
      this.#float(args.wHh, op),
      this.#float(args.bias, op),
      this.#float(args.h0, op),
      this.#float(args.c0, op),
      args.lengths ? (this.#data(args.lengths, op) as Int32Array) : null,
      args.reverse,
      T, B, I, H,
      y, hT, cT,
    ] as const;
    // The WebAssembly kernel keeps the reserve in its memory (read there by the backward,
    // copied out only if read); else the TypeScript kernel (same contract and layout).
    const resident = this.#wasm?.lstmSequenceResident(...inputs) ?? null;
    let reserveHandle: Handle;
    if (resident) {
      reserveHandle = this.#store(NO_DATA, [size]);
      const s = this.#storage.get(reserveHandle.id)!;
      s.resident = resident;
      s.bytes = size * 4;
      this.#bytesInUse += s.bytes;
    } else {
      const reserve = this.#f32(size);
      lstmSequenceKernel(...inputs, reserve);
      reserveHandle = this.#store(reserve, [size]);
    }
    return { y: this.#store(y, [T, B, H]), hT: this.#store(hT, [B, H]), cT: this.#store(cT, [B, H]), reserve: reserveHandle };
  }

  lstmSequenceBackward(args: LstmSequenceBackwardArgs): LstmSequenceGradients {
    const op = 'lstmSequenceBackward';
    const [T, B, I] = args.x.shape as [number, number, number];
    const H = args.wHh.shape[1]!;
    const expected = lstmReserveLayout(T, B, H).size;
    const resident = this.#wasm?.ready ? this.#resident(args.reserve) : null;
    const reserve = resident ?? this.#float(args.reserve, op);
    if (reserve.length !== expected) {
      throw new ShapeError({ op, detail: `the reserve does not come from lstmSequence with T=${T}, B=${B}, H=${H}`, expected: [expected], actual: [...args.reserve.shape] });
    }
    const dx = this.#f32(T * B * I);
    const dwIh = this.#f32(4 * H * I);
    const dwHh = this.#f32(4 * H * H);
    const dBias = this.#f32(4 * H);
    const dh0 = this.#f32(B * H);
    const dc0 = this.#f32(B * H);
    const inputs = [
      this.#float(args.x, op),
      this.#float(args.wIh, op),
      this.#float(args.wHh, op),
      args.lengths ? (this.#data(args.lengths, op) as Int32Array) : null,
      args.reverse,
      T, B, I, H,
      args.dy ? this.#float(args.dy, op) : null,
      args.dhT ? this.#float(args.dhT, op) : null,
      args.dcT ? this.#float(args.dcT, op) : null,
    ] as const;
    const grads = [dx, dwIh, dwHh, dBias, dh0, dc0] as const;
    if (!this.#wasm?.lstmSequenceBackward(...inputs, reserve, ...grads)) {
      lstmSequenceBackwardKernel(...inputs, reserve instanceof ResidentReserve ? this.#float(args.reserve, op) : reserve, ...grads);
    }
    return {
      dx: this.#store(dx, [T, B, I]),
      dwIh: this.#store(dwIh, [4 * H, I]),
      dwHh: this.#store(dwHh, [4 * H, H]),
      dBias: this.#store(dBias, [4 * H]),
      dh0: this.#store(dh0, [B, H]),
      dc0: this.#store(dc0, [B, H]),
    };
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
    const op = 'adamStep';
    const param = this.#float(args.param, op);
    const grad = this.#float(args.grad, op);
    const scale = args.gradScale ? this.#float(args.gradScale, op)[0]! : 1;
    const shape = args.param.shape;
    // Donated storage that nothing else references is updated in place (the same ids
    // come back, retained); otherwise into fresh buffers, leaving the inputs as they were.
    const ids = [args.param.id, args.m.id, args.v.id];
    const inPlace =
      args.donate === true &&
      new Set(ids).size === 3 &&
      !ids.includes(args.grad.id) &&
      ids.every((id) => this.#storage.get(id)!.refs === 1);
    if (inPlace && this.#wasm?.ready) {
      // The moments stay in the WebAssembly memory from step to step (copied out only if
      // someone reads them, e.g. a checkpoint): only param and grad cross per step.
      const mS = this.#storage.get(args.m.id)!;
      const vS = this.#storage.get(args.v.id)!;
      const r = this.#wasm.adamStepResident(param, grad, mS.resident ?? (mS.data as Float32Array), vS.resident ?? (vS.data as Float32Array), scale, args);
      if (r) {
        for (const [s, res] of [[mS, r.m], [vS, r.v]] as const) {
          if (s.resident !== res) {
            s.resident?.free();
            this.#pool.give(s.data);
            s.resident = res;
            s.data = NO_DATA;
            s.zero = false;
          }
        }
        for (const h of [args.param, args.m, args.v]) this.retain(h);
        return { param: { id: args.param.id, shape: [...shape], dtype: 'float32' }, m: { id: args.m.id, shape: [...shape], dtype: 'float32' }, v: { id: args.v.id, shape: [...shape], dtype: 'float32' } };
      }
    }
    const m = this.#float(args.m, op);
    const v = this.#float(args.v, op);
    const size = sizeOf(shape);
    const paramOut = inPlace ? param : this.#f32(size);
    const mOut = inPlace ? m : this.#f32(size);
    const vOut = inPlace ? v : this.#f32(size);
    if (!this.#wasm?.adamStep(param, grad, m, v, scale, args, paramOut, mOut, vOut)) {
      adamStepKernel(param, grad, m, v, scale, args, paramOut, mOut, vOut);
    }
    if (inPlace) {
      for (const h of [args.param, args.m, args.v]) this.retain(h);
      return { param: { id: args.param.id, shape: [...shape], dtype: 'float32' }, m: { id: args.m.id, shape: [...shape], dtype: 'float32' }, v: { id: args.v.id, shape: [...shape], dtype: 'float32' } };
    }
    return { param: this.#store(paramOut, shape), m: this.#store(mOut, shape), v: this.#store(vOut, shape) };
  }

  // --- internals

  #f32(size: number): Float32Array {
    return this.#pool.alloc('float32', size) as Float32Array;
  }

  #i32(size: number): Int32Array {
    return this.#pool.alloc('int32', size) as Int32Array;
  }

  #store(data: TensorData, shape: Shape): Handle {
    const id = this.#nextId++;
    this.#storage.set(id, { data, resident: null, bytes: data.byteLength, refs: 1 });
    this.#bytesInUse += data.byteLength;
    return { id, shape: [...shape], dtype: dtypeOf(data) };
  }

  /** The values behind `handle` (read as `handle.shape`); throws once the storage is freed. */
  #data(handle: Handle, op: string): TensorData {
    const s = this.#storage.get(handle.id);
    if (!s) throw new DisposedTensorError(op, `storage ${handle.id} on backend 'cpu' was already released`);
    if (s.resident) {
      // First read of a reserve kept in the WebAssembly memory: copy it out now.
      s.data = s.resident.read();
      s.resident.free();
      s.resident = null;
    }
    return s.data;
  }

  /** A reserve that is still resident in the WebAssembly memory, else null. */
  #resident(handle: Handle): ResidentReserve | null {
    const s = this.#storage.get(handle.id);
    return s?.resident?.live ? s.resident : null;
  }

  /** float32 storage behind `handle` (the op layer checks dtypes before a fused call). */
  #float(handle: Handle, op: string): Float32Array {
    return this.#data(handle, op) as Float32Array;
  }

  #unary(op: UnaryOpName, x: Handle): Handle {
    const xd = this.#data(x, op);
    const out = this.#pool.alloc(dtypeOf(xd), xd.length);
    if (!this.#wasm?.unary(op, xd, out)) elementwise.unary(op, xd, out);
    return this.#store(out, x.shape);
  }

  #binary(op: BinaryOpName | CompareOpName, a: Handle, b: Handle): Handle {
    const ad = this.#data(a, op);
    const bd = this.#data(b, op);
    const shape = broadcastShapes(op, a.shape, b.shape);
    const isCompare = op === 'greater' || op === 'equal';
    const out = this.#pool.alloc(isCompare ? 'float32' : dtypeOf(ad), sizeOf(shape));
    if (!this.#wasm?.binary(op, ad, a.shape, bd, b.shape, out, shape)) elementwise.binary(op, ad, a.shape, bd, b.shape, out, shape);
    return this.#store(out, shape);
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
