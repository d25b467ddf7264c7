/**
 * The WebGPU backend: implements the Backend contract (version 1) with WGSL kernels.
 *
 * Storage: a Map from handle id to a pooled GPUBuffer with a reference count; the
 * tensor layer's reshape views share the id (and buffer) with another shape. int32 is
 * stored as i32, float32 as f32; every buffer holds at least 16 bytes (empty tensors
 * still bind one). Work is recorded into one command encoder (command-queue.ts) and
 * submitted on a read, `flush()`, or when `submitThreshold` commands are pending at the
 * start of an op (never inside a fused op: an LSTM sequence is one submission).
 *
 * Letters in shape comments: T steps, B batch, I input size, H hidden size, G = 4H,
 * M/N/K matmul sizes.
 */
import {
  BACKEND_CONTRACT_VERSION,
  DisposedTensorError,
  DTypeError,
  UnsupportedOpError,
  broadcastShapes,
  shapesEqual,
  type AdamStepArgs,
  type SumOfSquaresArgs,
  type LogSoftmaxArgs,
  type AdamStepResult,
  type Backend,
  type BackendCapabilities,
  type BackendMemory,
  type DType,
  type Handle,
  type LstmSequenceArgs,
  type LstmSequenceBackwardArgs,
  type LstmSequenceGradients,
  type LstmSequenceResult,
  type Shape,
  type SoftmaxCrossEntropyArgs,
  type SoftmaxCrossEntropyResult,
  type TensorData,
  ShapeError,
  seedToKey,
} from '@cellstate/tensor';
import type { AcquiredDevice } from './acquire-device.js';
import { BufferPool, type BufferPoolOptions } from './buffer-pool.js';
import { CommandQueue } from './command-queue.js';
import { DeviceLostError, GpuError } from './errors.js';
import { STORAGE_USAGE } from './gpu-constants.js';
import { adamStepKernel } from './kernels/adam-step.wgsl.js';
import { fillKernel, stridedCopyKernel } from './kernels/copy.wgsl.js';
import { elementwiseKernel, type ElementwiseOp } from './kernels/elementwise.wgsl.js';
import { gatherKernel } from './kernels/gather.wgsl.js';
import { elementGrid, grid, MAX_WORKGROUPS_PER_DIMENSION, UNIFORM_WORDS, type KernelSpec } from './kernels/kernel-spec.js';
import { lstmStepBackwardKernel } from './kernels/lstm-step-backward.wgsl.js';
import { lstmStepKernel } from './kernels/lstm-step.wgsl.js';
import { MATMUL_BLOCK, MATMUL_BLOCK_GROUP, MATMUL_TILE, matmulKernel } from './kernels/matmul.wgsl.js';
import { randomKernel } from './kernels/random.wgsl.js';
import { reduceKernel } from './kernels/reduce.wgsl.js';
import { logSoftmaxKernel } from './kernels/log-softmax.wgsl.js';
import { scatterAddKernel } from './kernels/scatter-add.wgsl.js';
import { softmaxCrossEntropyKernel } from './kernels/softmax-cross-entropy.wgsl.js';
import { bitsOf, broadcastStrides, checkRank, coalesce, contiguousStrides, sizeOfShape, toInt32, type StridedLayout } from './layout.js';
import { PipelineCache } from './pipeline-cache.js';
import { readBuffers } from './readback.js';

export interface WebGpuBackendOptions {
  /** Accept a software adapter such as SwiftShader (default false: treated as no adapter). */
  allowSoftware?: boolean;
  /** Passed to `requestAdapter`. */
  powerPreference?: GPUPowerPreference;
  /** Ask for the fallback adapter. */
  forceFallbackAdapter?: boolean;
  /**
   * Advertise the fused kernels (lstmSequence + backward, softmaxCrossEntropy, adamStep)
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

const F32 = new Float32Array(1);
const F32_BITS = new Uint32Array(F32.buffer);
/** The bits of `value` rounded to float32. */
function f32Bits(value: number): number {
  F32[0] = value;
  return F32_BITS[0]!;
}

/** A uniform block being filled: 64 words. */
function words(): Uint32Array {
  return new Uint32Array(UNIFORM_WORDS);
}

/** Writes a layout (shape at 8.., strides k at 16 + 8k..) into uniform words. */
function putLayout(u: Uint32Array, layout: StridedLayout, shapeBase = 8, strideBase = 16): void {
  layout.shape.forEach((s, d) => {
    u[shapeBase + d] = s;
  });
  layout.strides.forEach((strides, k) =>
    strides.forEach((s, d) => {
      u[strideBase + 8 * k + d] = s;
    }),
  );
}

function isContiguous(layout: StridedLayout): boolean {
  return layout.shape.length === 0 || (layout.shape.length === 1 && layout.strides.every((s) => s[0] === 1));
}

/** Raw matmul description on buffers (offsets and strides in elements). */
interface MatmulJob {
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
  bias?: GPUBuffer;
  M: number;
  N: number;
  K: number;
  transposeA: boolean;
  transposeB: boolean;
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
  /** Batch index space with a and b strides (coalesced); none = one matrix. */
  batch?: StridedLayout;
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
  readonly #storages = new Map<number, Storage>();
  readonly #submitThreshold: number;
  readonly #dummy: GPUBuffer;
  readonly #variant: 'tiled' | 'blocked';
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
      fused: { lstmSequence: fused, lstmSequenceBackward: fused, softmaxCrossEntropy: fused, adamStep: fused, sumOfSquares: fused, logSoftmax: fused },
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
    const p = this.#pipelines;
    const tasks: Promise<void>[] = [
      p.warmup(stridedCopyKernel, {}),
      p.warmup(fillKernel, {}),
      p.warmup(gatherKernel, {}),
      p.warmup(softmaxCrossEntropyKernel, {}),
      p.warmup(adamStepKernel, {}),
      p.warmup(randomKernel, { distribution: 'uniform' }),
      p.warmup(randomKernel, { distribution: 'bernoulli' }),
    ];
    for (const op of ['neg', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'relu', 'abs', 'add', 'sub', 'mul', 'div', 'maximum', 'greater', 'equal', 'where'] as const) {
      for (const layout of ['contiguous', 'strided'] as const) tasks.push(p.warmup(elementwiseKernel, { op, dtype: 'float32', layout }));
    }
    for (const transposeA of [false, true]) for (const transposeB of [false, true]) tasks.push(p.warmup(matmulKernel, { transposeA, transposeB, bias: false, variant: this.#variant }));
    for (const op of ['sum', 'max', 'argmax'] as const) tasks.push(p.warmup(reduceKernel, { op, dtype: 'float32' }));
    tasks.push(p.warmup(lstmStepKernel, { batchTile: 1 }), p.warmup(lstmStepBackwardKernel, { batchTile: 1 }));
    for (const variant of ['tiled', 'blocked'] as const) tasks.push(p.warmup(matmulKernel, { transposeA: false, transposeB: true, bias: true, variant }));
    await Promise.all(tasks);
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
    this.#begin('fill');
    const out = this.#alloc(shape, dtype);
    this.#fillBits(this.#storage(out, 'fill').buffer, 0, sizeOfShape(shape), bitsOf(value, dtype));
    return out;
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
    const s = this.#storages.get(handle.id);
    if (!s) throw new DisposedTensorError('retain', `storage ${handle.id} on backend 'webgpu' was already released`);
    s.refs++;
  }

  release(handle: Handle): void {
    const s = this.#storages.get(handle.id);
    if (!s) throw new DisposedTensorError('release', `storage ${handle.id} on backend 'webgpu' was already released`);
    if (--s.refs > 0) return;
    this.#storages.delete(handle.id);
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
    const s = this.#storages.get(handle.id);
    if (!s) throw new DisposedTensorError(op, `storage ${handle.id} on backend 'webgpu' was already released`);
    return s;
  }

  #buf(handle: Handle, op: string): GPUBuffer {
    return this.#storage(handle, op).buffer;
  }

  #temp(bytes: number): GPUBuffer {
    return this.#pool.acquire(bytes);
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

  #fillBits(buffer: GPUBuffer, offset: number, n: number, bits: number): void {
    if (n === 0) return;
    if (bits === 0) {
      this.#queue.clear(buffer, offset * 4, n * 4);
      return;
    }
    const u = words();
    u[0] = n;
    u[1] = bits;
    u[2] = offset;
    this.#dispatch(fillKernel, {}, u, [buffer], elementGrid(n, 64));
  }

  /** dst[dstOffset + Σ idx·dstStrides] = src[srcOffset + Σ idx·srcStrides] over `shape` (32-bit words). */
  #stridedCopy(op: string, src: GPUBuffer, srcOffset: number, srcStrides: readonly number[], dst: GPUBuffer, dstOffset: number, dstStrides: readonly number[], shape: Shape): void {
    const n = sizeOfShape(shape);
    if (n === 0) return;
    const layout = coalesce(shape, [srcStrides, dstStrides]);
    if (isContiguous(layout)) {
      this.#queue.copy(src, srcOffset * 4, dst, dstOffset * 4, n * 4);
      return;
    }
    checkRank(op, layout);
    const u = words();
    u[0] = n;
    u[1] = layout.shape.length;
    u[2] = srcOffset;
    u[3] = dstOffset;
    putLayout(u, layout);
    this.#dispatch(stridedCopyKernel, {}, u, [src, dst], elementGrid(n, 64));
  }

  /** One elementwise kernel over the broadcast of `inputs` (already checked by the op layer). */
  #elementwise(op: ElementwiseOp, inputs: readonly Handle[], outDType: DType, kernelDType: DType): Handle {
    this.#begin(op);
    const buffers = inputs.map((h) => this.#buf(h, op));
    const outShape = inputs.length === 1 ? [...inputs[0]!.shape] : broadcastShapes(op, ...inputs.map((h) => h.shape));
    const out = this.#alloc(outShape, outDType);
    const n = sizeOfShape(outShape);
    if (n === 0) return out;
    const u = words();
    u[0] = n;
    let layout: 'contiguous' | 'strided' = 'contiguous';
    if (!inputs.every((h) => shapesEqual(h.shape, outShape))) {
      const co = coalesce(
        outShape,
        inputs.map((h) => broadcastStrides(h.shape, outShape)),
      );
      if (!isContiguous(co)) {
        checkRank(op, co);
        layout = 'strided';
        u[1] = co.shape.length;
        putLayout(u, co);
      }
    }
    this.#dispatch(elementwiseKernel, { op, dtype: kernelDType, layout }, u, [...buffers, this.#buf(out, op)], elementGrid(n, 64));
    return out;
  }

  #floatOnly(op: string, x: Handle): void {
    if (x.dtype !== 'float32') throw new DTypeError({ op, detail: `takes float32 on backend 'webgpu'`, actual: x.dtype });
  }

  // --- unary --------------------------------------------------------------------

  neg(x: Handle): Handle {
    return this.#elementwise('neg', [x], x.dtype, x.dtype);
  }
  abs(x: Handle): Handle {
    return this.#elementwise('abs', [x], x.dtype, x.dtype);
  }
  relu(x: Handle): Handle {
    return this.#elementwise('relu', [x], x.dtype, x.dtype);
  }
  exp(x: Handle): Handle {
    this.#floatOnly('exp', x);
    return this.#elementwise('exp', [x], 'float32', 'float32');
  }
  log(x: Handle): Handle {
    this.#floatOnly('log', x);
    return this.#elementwise('log', [x], 'float32', 'float32');
  }
  sqrt(x: Handle): Handle {
    this.#floatOnly('sqrt', x);
    return this.#elementwise('sqrt', [x], 'float32', 'float32');
  }
  tanh(x: Handle): Handle {
    this.#floatOnly('tanh', x);
    return this.#elementwise('tanh', [x], 'float32', 'float32');
  }
  sigmoid(x: Handle): Handle {
    this.#floatOnly('sigmoid', x);
    return this.#elementwise('sigmoid', [x], 'float32', 'float32');
  }

  // --- binary, compare, where -------------------------------------------------------

  add(a: Handle, b: Handle): Handle {
    return this.#elementwise('add', [a, b], a.dtype, a.dtype);
  }
  sub(a: Handle, b: Handle): Handle {
    return this.#elementwise('sub', [a, b], a.dtype, a.dtype);
  }
  mul(a: Handle, b: Handle): Handle {
    return this.#elementwise('mul', [a, b], a.dtype, a.dtype);
  }
  div(a: Handle, b: Handle): Handle {
    return this.#elementwise('div', [a, b], a.dtype, a.dtype);
  }
  maximum(a: Handle, b: Handle): Handle {
    return this.#elementwise('maximum', [a, b], a.dtype, a.dtype);
  }
  greater(a: Handle, b: Handle): Handle {
    return this.#elementwise('greater', [a, b], 'float32', a.dtype);
  }
  equal(a: Handle, b: Handle): Handle {
    return this.#elementwise('equal', [a, b], 'float32', a.dtype);
  }
  where(condition: Handle, a: Handle, b: Handle): Handle {
    return this.#elementwise('where', [condition, a, b], a.dtype, a.dtype);
  }

  // --- reductions -----------------------------------------------------------------

  sum(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    return this.#reduce('sum', x, axes, keepDims);
  }
  max(x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    return this.#reduce('max', x, axes, keepDims);
  }
  argmax(x: Handle, axis: number, keepDims: boolean): Handle {
    return this.#reduce('argmax', x, [axis], keepDims);
  }

  #reduce(op: 'sum' | 'max' | 'argmax', x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    this.#begin(op);
    const xb = this.#buf(x, op);
    const shape = x.shape;
    const reduced = shape.map((_, d) => axes.includes(d));
    const outShape = keepDims ? shape.map((s, d) => (reduced[d] ? 1 : s)) : shape.filter((_, d) => !reduced[d]);
    const out = this.#alloc(outShape, op === 'argmax' ? 'int32' : x.dtype);
    const outputs = sizeOfShape(outShape);
    if (outputs === 0) return out;
    const strides = contiguousStrides(shape);
    const keptShape = shape.filter((_, d) => !reduced[d]);
    const keptStrides = strides.filter((_, d) => !reduced[d]);
    const redShape = shape.filter((_, d) => reduced[d]);
    const redStrides = strides.filter((_, d) => reduced[d]);
    this.#reduceInto(op, x.dtype, xb, 0, coalesce(keptShape, [keptStrides]), coalesce(redShape, [redStrides]), this.#buf(out, op), 0, outputs, sizeOfShape(redShape));
    return out;
  }

  #reduceInto(op: 'sum' | 'max' | 'argmax' | 'sumsq', dtype: DType, x: GPUBuffer, xOffset: number, kept: StridedLayout, red: StridedLayout, out: GPUBuffer, outOffset: number, outputs: number, count: number): void {
    checkRank(op, kept);
    checkRank(op, red);
    const u = words();
    u[0] = outputs;
    u[1] = count;
    u[2] = kept.shape.length;
    u[3] = red.shape.length;
    u[4] = xOffset;
    u[5] = outOffset;
    putLayout(u, kept, 8, 16);
    putLayout(u, red, 24, 32);
    this.#dispatch(reduceKernel, { op, dtype }, u, [x, out], grid(outputs));
  }

  // --- matmul ---------------------------------------------------------------------

  matmul(a: Handle, b: Handle, transposeA: boolean, transposeB: boolean): Handle {
    this.#begin('matmul');
    if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new DTypeError({ op: 'matmul', detail: "takes float32 on backend 'webgpu'", actual: [a.dtype, b.dtype] });
    const ab = this.#buf(a, 'matmul');
    const bb = this.#buf(b, 'matmul');
    const ra = a.shape.length;
    const rb = b.shape.length;
    const M = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const K = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const N = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const aBatch = a.shape.slice(0, -2);
    const bBatch = b.shape.slice(0, -2);
    const batch = broadcastShapes('matmul', aBatch, bBatch);
    const out = this.#alloc([...batch, M, N], 'float32');
    const aStrides = broadcastStrides(aBatch, batch).map((s) => s * M * K);
    const bStrides = broadcastStrides(bBatch, batch).map((s) => s * K * N);
    this.#matmulInto({ a: ab, b: bb, c: this.#buf(out, 'matmul'), M, N, K, transposeA, transposeB, batch: { shape: [...batch], strides: [aStrides, bStrides] } });
    return out;
  }

  #matmulInto(job: MatmulJob): void {
    const batch = job.batch ?? { shape: [], strides: [[], []] };
    const batches = sizeOfShape(batch.shape);
    if (batches === 0 || job.M === 0 || job.N === 0) return;
    // Keep the batch rank small: drop size-1 dimensions and merge where both operands allow.
    const co = coalesce(batch.shape, batch.strides);
    checkRank('matmul', co);
    const variant = this.#variant;
    const pipeline = this.#pipelines.get(matmulKernel, { transposeA: job.transposeA, transposeB: job.transposeB, bias: !!job.bias, variant });
    const buffers = job.bias ? [job.a, job.b, job.bias, job.c] : [job.a, job.b, job.c];
    const side = variant === 'blocked' ? MATMUL_BLOCK * MATMUL_BLOCK_GROUP : MATMUL_TILE;
    const gx = Math.ceil(job.N / side);
    const gy = Math.ceil(job.M / side);
    if (gx > MAX_WORKGROUPS_PER_DIMENSION || gy > MAX_WORKGROUPS_PER_DIMENSION) {
      throw new UnsupportedOpError('matmul', 'webgpu', `M=${job.M}, N=${job.N} need more than ${MAX_WORKGROUPS_PER_DIMENSION} tiles per dimension`);
    }
    for (let first = 0; first < batches; first += MAX_WORKGROUPS_PER_DIMENSION) {
      const count = Math.min(MAX_WORKGROUPS_PER_DIMENSION, batches - first);
      const u = words();
      u[0] = job.M;
      u[1] = job.N;
      u[2] = job.K;
      u[3] = count;
      u[4] = job.aOffset ?? 0;
      u[5] = job.bOffset ?? 0;
      u[6] = job.cOffset ?? 0;
      u[7] = co.shape.length;
      putLayout(u, co, 8, 16);
      u[32] = first;
      u[33] = 0;
      this.#queue.dispatch(pipeline, u, buffers, [gx, gy, count]);
    }
  }

  // --- movement -------------------------------------------------------------------

  transpose(x: Handle, perm: readonly number[]): Handle {
    this.#begin('transpose');
    const xb = this.#buf(x, 'transpose');
    const outShape = perm.map((p) => x.shape[p]!);
    const out = this.#alloc(outShape, x.dtype);
    const inStrides = contiguousStrides(x.shape);
    this.#stridedCopy('transpose', xb, 0, perm.map((p) => inStrides[p]!), this.#buf(out, 'transpose'), 0, contiguousStrides(outShape), outShape);
    return out;
  }

  slice(x: Handle, begin: readonly number[], size: readonly number[]): Handle {
    this.#begin('slice');
    const xb = this.#buf(x, 'slice');
    const out = this.#alloc(size, x.dtype);
    const inStrides = contiguousStrides(x.shape);
    const offset = begin.reduce((acc, b, d) => acc + b * inStrides[d]!, 0);
    this.#stridedCopy('slice', xb, offset, inStrides, this.#buf(out, 'slice'), 0, contiguousStrides(size), size);
    return out;
  }

  concat(xs: readonly Handle[], axis: number): Handle {
    this.#begin('concat');
    const buffers = xs.map((h) => this.#buf(h, 'concat'));
    const first = xs[0]!;
    const outShape = [...first.shape];
    outShape[axis] = xs.reduce((total, h) => total + h.shape[axis]!, 0);
    const out = this.#alloc(outShape, first.dtype);
    const ob = this.#buf(out, 'concat');
    const outStrides = contiguousStrides(outShape);
    let position = 0;
    xs.forEach((h, k) => {
      this.#stridedCopy('concat', buffers[k]!, 0, contiguousStrides(h.shape), ob, position * outStrides[axis]!, outStrides, h.shape);
      position += h.shape[axis]!;
    });
    return out;
  }

  pad(x: Handle, paddings: readonly (readonly [number, number])[], value: number): Handle {
    this.#begin('pad');
    const xb = this.#buf(x, 'pad');
    const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
    const out = this.#alloc(outShape, x.dtype);
    const ob = this.#buf(out, 'pad');
    const n = sizeOfShape(outShape);
    if (n !== sizeOfShape(x.shape)) this.#fillBits(ob, 0, n, bitsOf(value, x.dtype));
    const outStrides = contiguousStrides(outShape);
    const offset = paddings.reduce((acc, p, d) => acc + p[0] * outStrides[d]!, 0);
    this.#stridedCopy('pad', xb, 0, contiguousStrides(x.shape), ob, offset, outStrides, x.shape);
    return out;
  }

  cast(x: Handle, dtype: DType): Handle {
    if (x.dtype === dtype) {
      this.#begin('cast');
      const xb = this.#buf(x, 'cast');
      const out = this.#alloc(x.shape, dtype);
      this.#queue.copy(xb, 0, this.#buf(out, 'cast'), 0, sizeOfShape(x.shape) * 4);
      return out;
    }
    return dtype === 'int32' ? this.#elementwise('castToInt32', [x], 'int32', 'float32') : this.#elementwise('castToFloat32', [x], 'float32', 'int32');
  }

  // --- index ----------------------------------------------------------------------

  gather(x: Handle, indices: Handle, axis: number): Handle {
    this.#begin('gather');
    const xb = this.#buf(x, 'gather');
    const ib = this.#buf(indices, 'gather');
    const inner = sizeOfShape(x.shape.slice(axis + 1));
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const out = this.#alloc(outShape, x.dtype);
    const n = sizeOfShape(outShape);
    if (n === 0) return out;
    const u = words();
    u[0] = n;
    u[1] = sizeOfShape(indices.shape);
    u[2] = x.shape[axis]!;
    u[3] = inner;
    this.#dispatch(gatherKernel, {}, u, [xb, ib, this.#buf(out, 'gather')], elementGrid(n, 64));
    return out;
  }

  scatterAdd(x: Handle, indices: Handle, updates: Handle, axis: number): Handle {
    this.#begin('scatterAdd');
    const xb = this.#buf(x, 'scatterAdd');
    const ib = this.#buf(indices, 'scatterAdd');
    const ub = this.#buf(updates, 'scatterAdd');
    const out = this.#alloc(x.shape, x.dtype);
    const n = sizeOfShape(x.shape);
    if (n === 0) return out;
    const u = words();
    u[0] = n;
    u[1] = sizeOfShape(indices.shape);
    u[2] = x.shape[axis]!;
    u[3] = sizeOfShape(x.shape.slice(axis + 1));
    this.#dispatch(scatterAddKernel, { dtype: x.dtype }, u, [xb, ib, ub, this.#buf(out, 'scatterAdd')], elementGrid(n, 64));
    return out;
  }

  // --- random ---------------------------------------------------------------------

  randomUniform(shape: Shape, seed: number): Handle {
    return this.#random('randomUniform', shape, seed, 'uniform', 0);
  }

  randomBernoulli(shape: Shape, p: number, seed: number): Handle {
    // u < p  <=>  (bits >> 8) < ceil(p · 2^24) for the integer bits >> 8 (u = that / 2^24).
    const threshold = Math.min(2 ** 24, Math.max(0, Math.ceil(p * 2 ** 24)));
    return this.#random('randomBernoulli', shape, seed, 'bernoulli', Number.isNaN(threshold) ? 0 : threshold);
  }

  #random(op: string, shape: Shape, seed: number, distribution: 'uniform' | 'bernoulli', threshold: number): Handle {
    this.#begin(op);
    const out = this.#alloc(shape, 'float32');
    const n = sizeOfShape(shape);
    if (n === 0) return out;
    const [k0, k1] = seedToKey(seed);
    const u = words();
    u[0] = n;
    u[1] = k0;
    u[2] = k1;
    u[3] = threshold;
    this.#dispatch(randomKernel, { distribution }, u, [this.#buf(out, op)], elementGrid(n, 64));
    return out;
  }

  // --- fused ----------------------------------------------------------------------

  /** Batch rows per LSTM workgroup (a key parameter). */
  #batchTile(B: number): number {
    return Math.max(1, Math.min(4, B));
  }

  lstmSequence(args: LstmSequenceArgs): LstmSequenceResult {
    const op = 'lstmSequence';
    this.#begin(op);
    const [T, B, I] = args.x.shape as [number, number, number];
    const H = args.wHh.shape[1]!;
    const G = 4 * H;
    const x = this.#buf(args.x, op);
    const wIh = this.#buf(args.wIh, op);
    const wHh = this.#buf(args.wHh, op);
    const bias = this.#buf(args.bias, op);
    const h0 = this.#buf(args.h0, op);
    const c0 = this.#buf(args.c0, op);
    const lengths = args.lengths ? this.#buf(args.lengths, op) : this.#dummy;
    const rows = T * B;
    const y = this.#alloc([T, B, H], 'float32');
    const hT = this.#alloc([B, H], 'float32');
    const cT = this.#alloc([B, H], 'float32');
    const reserve = this.#alloc([7 * rows * H], 'float32');
    const [yb, hb, cb, rb] = [y, hT, cT, reserve].map((h) => this.#buf(h, op)) as [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer];
    const state = B * H;
    this.#queue.copy(c0, 0, cb, 0, state * 4);
    if (T === 0 || state === 0) {
      this.#queue.copy(h0, 0, hb, 0, state * 4);
      return { y, hT, cT, reserve };
    }
    // wHhT [H, 4H]: transposed once so the step kernel reads it coalesced.
    const wHhT = this.#temp(G * H * 4);
    this.#stridedCopy(op, wHh, 0, [1, H], wHhT, 0, [G, 1], [H, G]);
    // gates [T·B, 4H] = x [T·B, I] · wIhᵀ + bias, into the gate section of the reserve.
    this.#matmulInto({ a: x, b: wIh, c: rb, bias, M: rows, N: G, K: I, transposeA: false, transposeB: true });
    const hState = this.#temp(2 * state * 4);
    this.#queue.copy(h0, 0, hState, 0, state * 4);
    const bt = this.#batchTile(B);
    const pipeline = this.#pipelines.get(lstmStepKernel, { batchTile: bt });
    const workgroups: [number, number, number] = [Math.ceil(H / 64), Math.ceil(B / bt), 1];
    for (let s = 0; s < T; s++) {
      const t = args.reverse ? T - 1 - s : s;
      const u = words();
      u.set([B, H, t, s % 2, args.lengths ? 1 : 0, 4 * rows * H, 5 * rows * H, 6 * rows * H]);
      this.#queue.dispatch(pipeline, u, [wHhT, lengths, rb, hState, cb, yb], workgroups);
    }
    this.#queue.copy(hState, (T % 2) * state * 4, hb, 0, state * 4);
    this.#free(wHhT);
    this.#free(hState);
    return { y, hT, cT, reserve };
  }

  lstmSequenceBackward(args: LstmSequenceBackwardArgs): LstmSequenceGradients {
    const op = 'lstmSequenceBackward';
    this.#begin(op);
    const [T, B, I] = args.x.shape as [number, number, number];
    const H = args.wHh.shape[1]!;
    const G = 4 * H;
    const rows = T * B;
    const state = B * H;
    const x = this.#buf(args.x, op);
    const wIh = this.#buf(args.wIh, op);
    const wHh = this.#buf(args.wHh, op);
    const reserve = this.#buf(args.reserve, op);
    const lengths = args.lengths ? this.#buf(args.lengths, op) : this.#dummy;
    const dy = args.dy ? this.#buf(args.dy, op) : this.#dummy;
    const dhT = args.dhT ? this.#buf(args.dhT, op) : null;
    const dcT = args.dcT ? this.#buf(args.dcT, op) : null;
    const dx = this.#alloc([T, B, I], 'float32');
    const dwIh = this.#alloc([G, I], 'float32');
    const dwHh = this.#alloc([G, H], 'float32');
    const dBias = this.#alloc([G], 'float32');
    const dh0 = this.#alloc([B, H], 'float32');
    const dc0 = this.#alloc([B, H], 'float32');
    const b = (h: Handle) => this.#buf(h, op);
    const dGates = this.#temp(rows * G * 4);
    const dhState = this.#temp(2 * state * 4);
    // Carried gradients start at dhT / dcT (or 0); dc is updated in place in dc0.
    if (dhT) this.#queue.copy(dhT, 0, dhState, 0, state * 4);
    else this.#queue.clear(dhState, 0, state * 4);
    if (dcT) this.#queue.copy(dcT, 0, b(dc0), 0, state * 4);
    else this.#queue.clear(b(dc0), 0, state * 4);
    if (state > 0) {
      const bt = this.#batchTile(B);
      const pipeline = this.#pipelines.get(lstmStepBackwardKernel, { batchTile: bt });
      const workgroups: [number, number, number] = [Math.ceil(H / 64), Math.ceil(B / bt), 1];
      const stepTime = (s: number) => (args.reverse ? s : T - 1 - s);
      for (let s = 0; s <= T; s++) {
        const finalize = s === T;
        const u = words();
        u.set([B, H, finalize ? 0 : stepTime(s), s % 2, args.lengths ? 1 : 0, 4 * rows * H, 5 * rows * H, s > 0 ? 1 : 0, s > 0 ? stepTime(s - 1) : 0, args.dy ? 1 : 0, finalize ? 1 : 0]);
        this.#queue.dispatch(pipeline, u, [wHh, lengths, reserve, dy, dGates, dhState, b(dc0)], workgroups);
      }
      this.#queue.copy(dhState, ((T + 1) % 2) * state * 4, b(dh0), 0, state * 4);
    }
    // The weight gradients as large GEMMs over all T·B rows.
    this.#matmulInto({ a: dGates, b: wIh, c: b(dx), M: rows, N: I, K: G, transposeA: false, transposeB: false });
    this.#matmulInto({ a: dGates, b: x, c: b(dwIh), M: G, N: I, K: rows, transposeA: true, transposeB: false });
    this.#matmulInto({ a: dGates, b: reserve, bOffset: 6 * rows * H, c: b(dwHh), M: G, N: H, K: rows, transposeA: true, transposeB: false });
    if (G > 0) this.#reduceInto('sum', 'float32', dGates, 0, { shape: [G], strides: [[1]] }, coalesce([rows], [[G]]), b(dBias), 0, G, rows);
    this.#free(dGates);
    this.#free(dhState);
    return { dx, dwIh, dwHh, dBias, dh0, dc0 };
  }

  softmaxCrossEntropy(args: SoftmaxCrossEntropyArgs): SoftmaxCrossEntropyResult {
    const op = 'softmaxCrossEntropy';
    this.#begin(op);
    const [N, C] = args.logits.shape as [number, number];
    const logits = this.#buf(args.logits, op);
    const labels = this.#buf(args.labels, op);
    const loss = this.#alloc([N], 'float32');
    const probabilities = this.#alloc([N, C], 'float32');
    if (N > 0) {
      const u = words();
      u[0] = N;
      u[1] = C;
      this.#dispatch(softmaxCrossEntropyKernel, {}, u, [logits, labels, this.#buf(loss, op), this.#buf(probabilities, op)], grid(N));
    }
    return { loss, probabilities };
  }

  logSoftmax(args: LogSoftmaxArgs): Handle {
    const op = 'logSoftmax';
    this.#begin(op);
    const shape = args.x.shape;
    const C = shape.length === 0 ? 1 : shape[shape.length - 1]!;
    const N = C === 0 ? 0 : sizeOfShape(shape) / C;
    const x = this.#buf(args.x, op);
    const y = this.#alloc(shape, 'float32');
    if (N > 0) {
      const u = words();
      u[0] = N;
      u[1] = C;
      this.#dispatch(logSoftmaxKernel, {}, u, [x, this.#buf(y, op)], grid(N));
    }
    return y;
  }

  sumOfSquares(args: SumOfSquaresArgs): Handle {
    const op = 'sumOfSquares';
    const k = args.xs.length;
    if (k === 0) return this.fill([], 'float32', 0);
    this.#begin(op);
    // One reduction per tensor into its slot of [k] partial sums (all in one submit),
    // then one sum of the k partials: no x² tensors, k + 1 dispatches.
    const out = this.#alloc([], 'float32');
    const partials = k > 1 ? this.#alloc([k], 'float32') : out;
    const whole: StridedLayout = { shape: [], strides: [[]] };
    args.xs.forEach((h, i) => {
      const n = sizeOfShape(h.shape);
      this.#reduceInto('sumsq', 'float32', this.#buf(h, op), 0, whole, coalesce([n], [[1]]), this.#buf(partials, op), i, 1, n);
    });
    if (k > 1) {
      this.#reduceInto('sum', 'float32', this.#buf(partials, op), 0, whole, coalesce([k], [[1]]), this.#buf(out, op), 0, 1, k);
      this.release(partials);
    }
    return out;
  }

  adamStep(args: AdamStepArgs): AdamStepResult {
    const op = 'adamStep';
    this.#begin(op);
    // A gradient scale (folded-in clipping) is one extra elementwise dispatch here; the
    // donate hint is not taken (fresh buffers come from the pool anyway).
    const scaled = args.gradScale ? this.mul(args.grad, { ...args.gradScale, shape: [] }) : null;
    const inputs = [args.param, scaled ?? args.grad, args.m, args.v].map((h) => this.#buf(h, op));
    const shape = args.param.shape;
    const param = this.#alloc(shape, 'float32');
    const m = this.#alloc(shape, 'float32');
    const v = this.#alloc(shape, 'float32');
    const n = sizeOfShape(shape);
    if (n > 0) {
      const { learningRate: lr, beta1, beta2, epsilon, weightDecay } = args;
      const u = words();
      u[0] = n;
      u[2] = f32Bits(beta1);
      u[3] = f32Bits(beta2);
      u[4] = f32Bits(epsilon);
      u[5] = f32Bits(weightDecay !== 0 && !args.decoupledWeightDecay ? weightDecay : 0);
      u[6] = f32Bits(weightDecay !== 0 && args.decoupledWeightDecay ? 1 - lr * weightDecay : 1);
      u[7] = f32Bits(lr / (1 - beta1 ** args.step));
      u[8] = f32Bits(Math.sqrt(1 - beta2 ** args.step));
      u[9] = f32Bits(1 - beta1);
      u[10] = f32Bits(1 - beta2);
      this.#dispatch(adamStepKernel, {}, u, [...inputs, this.#buf(param, op), this.#buf(m, op), this.#buf(v, op)], elementGrid(n, 64));
    }
    if (scaled) this.release(scaled);
    return { param, m, v };
  }
}
