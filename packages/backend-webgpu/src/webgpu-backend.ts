/**
 * The WebGPU backend: implements the Backend contract (version 1) with WGSL kernels.
 *
 * Storage: a StorageTable (backend-kit) from handle id to a pooled GPUBuffer with a reference count; the
 * tensor layer's reshape views share the id (and buffer) with another shape. int32 is
 * stored as i32, float32 as f32; every buffer holds at least 16 bytes (empty tensors
 * still bind one). Work is recorded into one command encoder (command-queue.ts) and
 * submitted on a read, `flush()`, or when `submitThreshold` commands are pending at the
 * start of an op (never inside a fused op: an LSTM or GRU sequence is one submission).
 *
 * This file holds lifecycle, memory and dispatch; each op family's host code lives in
 * ops/ (as backend-cpu's kernels/) and reaches this state through a KernelContext.

 */
import {
  BACKEND_CONTRACT_VERSION,
  DisposedTensorError,
  UnsupportedOpError,
  type AdamStepArgs,
  type AdamStepResult,
  type Backend,
  type BackendCapabilities,
  type BackendMemory,
  type DType,
  type GruSequenceArgs,
  type GruSequenceBackwardArgs,
  type GruSequenceGradients,
  type GruSequenceResult,
  type Handle,
  type LogSoftmaxArgs,
  type LstmSequenceArgs,
  type LstmSequenceEmbeddedArgs,
  type LstmSequenceEmbeddedResult,
  type LstmSequenceBackwardArgs,
  type LstmSequenceGradients,
  type LstmSequenceResult,
  type Shape,
  type SoftmaxCrossEntropyArgs,
  type SoftmaxCrossEntropyResult,
  type SumOfSquaresArgs,
  type TensorData,
  ShapeError,
} from '@cellstate/tensor';
import { StorageTable } from '@cellstate/tensor/backend-kit';
import type { AcquiredDevice } from './acquire-device.js';
import { BufferPool, type BufferPoolOptions } from './buffer-pool.js';
import { CommandQueue } from './command-queue.js';
import { DeviceLostError, GpuError } from './errors.js';
import { STORAGE_USAGE } from './gpu-constants.js';
import type { KernelSpec } from './kernels/kernel-spec.js';
import { sizeOfShape, toInt32 } from './layout.js';
import { adamStep } from './ops/adam-step.js';
import { elementwise, floatUnary } from './ops/elementwise.js';
import { gruSequenceBackward } from './ops/gru-sequence-backward.js';
import { gruSequence } from './ops/gru-sequence.js';
import { gather, scatterAdd } from './ops/indexing.js';
import type { KernelContext } from './ops/kernel-context.js';
import { lstmSequenceBackward } from './ops/lstm-sequence-backward.js';
import { lstmSequence, lstmSequenceEmbedded } from './ops/lstm-sequence.js';
import { matmul } from './ops/matmul.js';
import { cast, concat, fill, pad, slice, transpose } from './ops/movement.js';
import { randomBernoulli, randomUniform } from './ops/random.js';
import { reduce, sumOfSquares } from './ops/reduce.js';
import { logSoftmax, softmaxCrossEntropy } from './ops/softmax.js';
import { PipelineCache } from './pipeline-cache.js';
import { readBuffers } from './readback.js';
import { warmupKernels } from './warmup.js';

export interface WebGpuBackendOptions {
  /** Accept a software adapter such as SwiftShader (default false: treated as no adapter). */
  allowSoftware?: boolean;
  /** Passed to `requestAdapter`. */
  powerPreference?: GPUPowerPreference;
  /** Ask for the fallback adapter. */
  forceFallbackAdapter?: boolean;
  /**
   * Advertise the fused kernels (lstmSequence, gruSequence and their backwards, softmaxCrossEntropy, adamStep, …)
   * in `capabilities.fused` (default true); false runs the reference compositions (the
   * baseline the bench compares with).
   */
  fused?: boolean;
  /** Submit when this many commands are pending at the start of an op (default 64). */
  submitThreshold?: number;
  /** Buffer pool caps. */
  pool?: BufferPoolOptions;
  /**
   * Matmul variant: 16×16 tiles in workgroup memory ('tiled') or 4×4 register blocks
   * with no barriers ('blocked'). Default: 'blocked' on software adapters (≈10× faster on
   * SwiftShader, which emulates barriers slowly), 'tiled' elsewhere.
   */
  kernelVariant?: 'tiled' | 'blocked';
}

interface Storage {
  buffer: GPUBuffer;
  refs: number;
}

/**
 * The WebGPU implementation of the Backend contract. Create it with
 * `createWebGpuBackend()` (from `@cellstate/backend-webgpu` in browsers or
 * `@cellstate/backend-webgpu/node` in Node) rather than with `new`.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend } from '@cellstate/backend-webgpu';
 * const gpu = await createWebGpuBackend();
 * if (gpu) {
 *   const a = gpu.upload([1, 2, 3], [3], 'float32');
 *   console.log(await gpu.read(gpu.exp(a))); // Float32Array [2.718.., 7.389.., 20.08..]
 *   gpu.dispose();
 * }
 * ```
 */
export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly contractVersion = BACKEND_CONTRACT_VERSION;
  readonly capabilities: BackendCapabilities;
  /** The adapter this backend runs on (vendor / architecture / description). */
  readonly adapterDescription: string;

  readonly #device: GPUDevice;
  readonly #queue: CommandQueue;
  readonly #pool: BufferPool<GPUBuffer>;
  readonly #pipelines: PipelineCache;
  readonly #storages = new StorageTable<Storage>('webgpu');
  readonly #submitThreshold: number;
  readonly #dummy: GPUBuffer;
  readonly #variant: 'tiled' | 'blocked';
  /** What the op functions in ops/ see of this backend. */
  readonly #ctx: KernelContext;
  #nextId = 1;
  #bytesLive = 0;
  #bytesParked = 0;
  #disposed = false;
  #lost: { reason: string; message: string } | null = null;
  #errors: Error[] = [];
  /** Whatever must stay referenced while the device lives (Dawn's instance in Node); dropped by dispose(). */
  #keepAlive: unknown;

  constructor(acquired: AcquiredDevice, options: WebGpuBackendOptions = {}, keepAlive?: unknown) {
    const device = acquired.device;
    this.#device = device;
    this.#keepAlive = keepAlive;
    this.adapterDescription = acquired.description;
    const fused = options.fused ?? true;
    this.capabilities = {
      syncRead: false,
      dtypes: ['float32', 'int32'],
      fused: { lstmSequence: fused, lstmSequenceBackward: fused, lstmSequenceEmbedded: fused, gruSequence: fused, gruSequenceBackward: fused, softmaxCrossEntropy: fused, adamStep: fused, sumOfSquares: fused, logSoftmax: fused, addInto: false },
      maxBufferBytes: Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize),
      isSoftware: acquired.isSoftware,
    };
    this.#submitThreshold = options.submitThreshold ?? 64;
    this.#variant = options.kernelVariant ?? (acquired.isSoftware ? 'blocked' : 'tiled');
    this.#queue = new CommandQueue(device);
    this.#pool = new BufferPool(device, STORAGE_USAGE, options.pool);
    this.#pipelines = new PipelineCache(device, (error) => this.#errors.push(error));
    this.#dummy = device.createBuffer({ size: 16, usage: STORAGE_USAGE, label: 'cellstate-dummy' });
    device.onuncapturederror = (event: GPUUncapturedErrorEvent) => {
      this.#errors.push(new GpuError('webgpu', event.error.message));
    };
    void device.lost.then((info) => {
      if (this.#disposed) return;
      this.#lost = { reason: String(info.reason ?? 'unknown'), message: info.message ?? '' };
    });
    this.#ctx = {
      queue: this.#queue,
      pipelines: this.#pipelines,
      matmulVariant: this.#variant,
      dummy: this.#dummy,
      begin: (op) => this.#begin(op),
      alloc: (shape, dtype) => this.#alloc(shape, dtype),
      buffer: (handle, op) => this.#buf(handle, op),
      temp: (bytes) => this.#pool.acquire(bytes),
      free: (buffer) => this.#free(buffer),
      release: (handle) => this.release(handle),
      dispatch: (spec, config, uniforms, buffers, workgroups) => this.#dispatch(spec, config, uniforms, buffers, workgroups),
    };
  }

  // --- lifecycle ----------------------------------------------------------------

  flush(): void {
    if (this.#disposed || this.#lost) return;
    this.#queue.submit();
  }

  async sync(): Promise<void> {
    this.#check('sync');
    this.#queue.submit();
    try {
      await this.#device.queue.onSubmittedWorkDone();
    } catch (error) {
      this.#check('sync');
      throw error;
    }
    this.#check('sync');
    this.#raiseErrors();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#queue.destroy();
    for (const s of this.#storages.values()) s.buffer.destroy();
    this.#storages.clear();
    this.#bytesLive = 0;
    this.#bytesParked = 0;
    this.#pool.drain();
    this.#dummy.destroy();
    this.#pipelines.clear();
    this.#device.onuncapturederror = null;
    this.#device.destroy();
    // Dawn keeps Node alive while its instance is referenced: let it go.
    this.#keepAlive = undefined;
  }

  /** Compiles every kernel family ahead of time (apps call it once at start-up); throws a WgslCompileError with line:column. */
  async warmup(): Promise<void> {
    await warmupKernels(this.#pipelines, this.#variant);
  }

  // --- data and memory ----------------------------------------------------------

  upload(values: ArrayLike<number>, shape: Shape, dtype: DType): Handle {
    const size = sizeOfShape(shape);
    if (values.length !== size) {
      throw new ShapeError({ op: 'upload', detail: `${values.length} values do not fill the shape`, expected: size, actual: [...shape] });
    }
    this.#begin('upload');
    const out = this.#alloc(shape, dtype);
    if (size > 0) {
      let data: Float32Array | Int32Array;
      if (dtype === 'float32') data = values instanceof Float32Array ? values : new Float32Array(values);
      else if (values instanceof Int32Array) data = values;
      else {
        data = new Int32Array(size);
        for (let i = 0; i < size; i++) data[i] = toInt32(values[i]!);
      }
      this.#device.queue.writeBuffer(this.#storage(out, 'upload').buffer, 0, data.buffer, data.byteOffset, size * 4);
    }
    return out;
  }

  fill(shape: Shape, dtype: DType, value: number): Handle {
    return fill(this.#ctx, shape, dtype, value);
  }

  async read(handle: Handle): Promise<TensorData> {
    const [values] = await this.readMany([handle]);
    return values!;
  }

  async readMany(handles: readonly Handle[]): Promise<TensorData[]> {
    this.#check('read');
    const requests = handles.map((h) => ({ buffer: this.#storage(h, 'read').buffer, bytes: sizeOfShape(h.shape) * 4 }));
    let data: ArrayBuffer[];
    try {
      data = await readBuffers(this.#device, this.#queue, requests);
    } catch (error) {
      this.#check('read');
      this.#raiseErrors();
      throw error;
    }
    this.#check('read');
    this.#raiseErrors();
    return handles.map((h, i) => (h.dtype === 'int32' ? new Int32Array(data[i]!) : new Float32Array(data[i]!)));
  }

  retain(handle: Handle): void {
    this.#storages.retain(handle);
  }

  release(handle: Handle): void {
    const s = this.#storages.release(handle);
    if (!s) return;
    this.#bytesLive -= s.buffer.size;
    this.#free(s.buffer);
  }

  memory(): BackendMemory {
    const pooled = this.#pool.bytesPooled + this.#bytesParked;
    return { handles: this.#storages.size, bytesInUse: this.#bytesLive, bytesPooled: pooled, bytesAllocated: this.#bytesLive + pooled };
  }

  /** The GPUDevice (for interop with other WebGPU code; do not destroy it while the backend is in use). */
  get device(): GPUDevice {
    return this.#device;
  }

  /** Pipelines compiled so far. */
  get pipelineCount(): number {
    return this.#pipelines.size;
  }

  /** Commands submitted so far (tests check that an LSTM sequence is one submission). */
  get submitCount(): number {
    return this.#queue.submits;
  }

  // --- plumbing -------------------------------------------------------------------

  #check(op: string): void {
    if (this.#lost) throw new DeviceLostError(op, this.#lost.reason, this.#lost.message);
    if (this.#disposed) throw new DisposedTensorError(op, "the 'webgpu' backend was disposed");
  }

  #raiseErrors(): void {
    if (this.#errors.length === 0) return;
    const [first] = this.#errors;
    this.#errors = [];
    throw first!;
  }

  /** Start of every op: state checks and the submit threshold (between ops only). */
  #begin(op: string): void {
    this.#check(op);
    if (this.#queue.pending >= this.#submitThreshold) this.#queue.submit();
  }

  #alloc(shape: Shape, dtype: DType): Handle {
    const bytes = sizeOfShape(shape) * 4;
    if (bytes > this.capabilities.maxBufferBytes) {
      throw new UnsupportedOpError('allocate', 'webgpu', `${bytes} bytes exceed the device's largest storage buffer (${this.capabilities.maxBufferBytes} bytes); ${this.#bytesLive} bytes in use`);
    }
    const buffer = this.#pool.acquire(bytes);
    const id = this.#nextId++;
    this.#storages.set(id, { buffer, refs: 1 });
    this.#bytesLive += buffer.size;
    return { id, shape: [...shape], dtype };
  }

  #storage(handle: Handle, op: string): Storage {
    return this.#storages.of(handle, op);
  }

  #buf(handle: Handle, op: string): GPUBuffer {
    return this.#storage(handle, op).buffer;
  }

  /** Returns a buffer to the pool, or parks it until the encoder that uses it is submitted. */
  #free(buffer: GPUBuffer): void {
    if (this.#queue.uses(buffer)) {
      this.#bytesParked += buffer.size;
      this.#queue.afterSubmit(() => {
        if (this.#disposed) return;
        this.#bytesParked -= buffer.size;
        this.#pool.release(buffer);
      });
    } else {
      this.#pool.release(buffer);
    }
  }

  #dispatch<C>(spec: KernelSpec<C>, config: C, uniforms: ArrayLike<number>, buffers: readonly GPUBuffer[], workgroups: readonly [number, number, number]): void {
    this.#queue.dispatch(this.#pipelines.get(spec, config), uniforms, buffers, workgroups);
  }

  // --- unary --------------------------------------------------------------------

  neg(x: Handle): Handle {
    return elementwise(this.#ctx, 'neg', [x], x.dtype, x.dtype);
  }
  abs(x: Handle): Handle {
    return elementwise(this.#ctx, 'abs', [x], x.dtype, x.dtype);
  }
  relu(x: Handle): Handle {
    return elementwise(this.#ctx, 'relu', [x], x.dtype, x.dtype);
  }
  exp(x: Handle): Handle {
    return floatUnary(this.#ctx, 'exp', x);
  }
  log(x: Handle): Handle {
    return floatUnary(this.#ctx, 'log', x);
  }
  sqrt(x: Handle): Handle {
    return floatUnary(this.#ctx, 'sqrt', x);
  }
  tanh(x: Handle): Handle {
    return floatUnary(this.#ctx, 'tanh', x);
  }
  sigmoid(x: Handle): Handle {
    return floatUnary(this.#ctx, 'sigmoid', x);
  }

  // --- binary, compare, where -------------------------------------------------------

  add(a: Handle, b: Handle): Handle {
    return elementwise(this.#ctx, 'add', [a, b], a.dtype, a.dtype);
  }
  sub(a: Handle, b: Handle): Handle {
    return elementwise(this.#ctx, 'sub', [a, b], a.dtype, a.dtype);
  }
  mul(a: Handle, b: Handle): Handle {
    return elementwise(this.#ctx, 'mul', [a, b], a.dtype, a.dtype);
  }
  div(a: Handle, b: Handle): Handle {
    return elementwise(this.#ctx, 'div', [a, b], a.dtype, a.dtype);
  }
  maximum(a: Handle, b: Handle): Handle {
    return elementwise(this.#ctx, 'maximum', [a, b], a.dtype, a.dtype);
  }
  greater(a: Handle, b: Handle): Handle {
    return elementwise(this.#ctx, 'greater', [a, b], 'float32', a.dtype);
  }
  equal(a: Handle, b: Handle): Handle {
    return elementwise(this.#ctx, 'equal', [a, b], 'float32', a.dtype);
  }
  where(condition: Handle, a: Handle, b: Handle): Handle {
    return elementwise(this.#ctx, 'where', [condition, a, b], a.dtype, a.dtype);
  }

  // --- reductions, matmul -------------------------------------------------------------

  sum(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    return reduce(this.#ctx, 'sum', x, axes, keepDims);
  }
  max(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    return reduce(this.#ctx, 'max', x, axes, keepDims);
  }
  argmax(x: Handle, axis: number, keepDims: boolean): Handle {
    return reduce(this.#ctx, 'argmax', x, [axis], keepDims);
  }
  matmul(a: Handle, b: Handle, transposeA: boolean, transposeB: boolean): Handle {
    return matmul(this.#ctx, a, b, transposeA, transposeB);
  }

  // --- movement, index, random ------------------------------------------------------

  transpose(x: Handle, perm: readonly number[]): Handle {
    return transpose(this.#ctx, x, perm);
  }
  slice(x: Handle, begin: readonly number[], size: readonly number[]): Handle {
    return slice(this.#ctx, x, begin, size);
  }
  concat(xs: readonly Handle[], axis: number): Handle {
    return concat(this.#ctx, xs, axis);
  }
  pad(x: Handle, paddings: readonly (readonly [number, number])[], value: number): Handle {
    return pad(this.#ctx, x, paddings, value);
  }
  cast(x: Handle, dtype: DType): Handle {
    return cast(this.#ctx, x, dtype);
  }
  gather(x: Handle, indices: Handle, axis: number): Handle {
    return gather(this.#ctx, x, indices, axis);
  }
  scatterAdd(x: Handle, indices: Handle, updates: Handle, axis: number): Handle {
    return scatterAdd(this.#ctx, x, indices, updates, axis);
  }
  randomUniform(shape: Shape, seed: number): Handle {
    return randomUniform(this.#ctx, shape, seed);
  }
  randomBernoulli(shape: Shape, p: number, seed: number): Handle {
    return randomBernoulli(this.#ctx, shape, p, seed);
  }

  // --- fused ----------------------------------------------------------------------

  lstmSequence(args: LstmSequenceArgs): LstmSequenceResult {
    return lstmSequence(this.#ctx, args);
  }
  lstmSequenceBackward(args: LstmSequenceBackwardArgs): LstmSequenceGradients {
    return lstmSequenceBackward(this.#ctx, args);
  }
  lstmSequenceEmbedded(args: LstmSequenceEmbeddedArgs): LstmSequenceEmbeddedResult {
    return lstmSequenceEmbedded(this.#ctx, args);
  }
  gruSequence(args: GruSequenceArgs): GruSequenceResult {
    return gruSequence(this.#ctx, args);
  }
  gruSequenceBackward(args: GruSequenceBackwardArgs): GruSequenceGradients {
    return gruSequenceBackward(this.#ctx, args);
  }
  softmaxCrossEntropy(args: SoftmaxCrossEntropyArgs): SoftmaxCrossEntropyResult {
    return softmaxCrossEntropy(this.#ctx, args);
  }
  logSoftmax(args: LogSoftmaxArgs): Handle {
    return logSoftmax(this.#ctx, args);
  }
  sumOfSquares(args: SumOfSquaresArgs): Handle {
    return sumOfSquares(this.#ctx, args);
  }
  adamStep(args: AdamStepArgs): AdamStepResult {
    return adamStep(this.#ctx, args);
  }
}
