import { seedToKey, type BinaryOpName, type CompareOpName, type Shape, type TensorData, type UnaryOpName } from '@cellstate/tensor';
import type { AdamHyperparameters } from '../kernels/adam-step.js';
import { broadcastStrides, coalesce } from '../kernels/layout.js';
import { lstmReserveLayout } from '../kernels/lstm-sequence.js';
import { WASM_MT_BASE64, WASM_MT_RELAXED_BASE64, WASM_ST_BASE64, WASM_ST_RELAXED_BASE64 } from './kernels.wasm.js';
import { ARENA_BASE, ARGS, BARRIER, CTL, JOB_KINDS, MAX_THREADS, type JobKind } from './layout.js';
import { canBlock, relaxedSimdSupported, sharedMemorySupported, wasmSimdSupported, workersSupported } from './platform.js';
import { WorkerPool } from './pool.js';

type Job = (args: number, tid: number, nt: number, canWait: number) => void;

interface KernelExports {
  gemm: Job;
  lstmForward: Job;
  lstmBackward: Job;
  adam: Job;
  softmaxXent: Job;
  bernoulli: Job;
  binary: Job;
  reduceSum: Job;
  unary: Job;
  logSoftmax: Job;
  sigmoidf(x: number): number;
  tanhf(x: number): number;
  MR: WebAssembly.Global;
  NR: WebAssembly.Global;
  GEMM_SCRATCH_BYTES: WebAssembly.Global;
}

/** 'st': one thread, plain memory (works everywhere). 'mt': shared memory + atomics, for worker threads. */
export type WasmVariant = 'st' | 'mt';

interface ModuleState {
  module?: WebAssembly.Module;
  /** The asynchronous compile; resolves to undefined if it failed (then the TypeScript kernels run). */
  pending?: Promise<WebAssembly.Module | undefined>;
  error?: unknown;
}

/** Modules by variant, each plain SIMD128 or with relaxed SIMD (the GEMM's fused multiply-add). */
const modules: Record<`${WasmVariant}${'' | '+relaxed'}`, ModuleState> = { st: {}, mt: {}, 'st+relaxed': {}, 'mt+relaxed': {} };

const EMBEDS = { st: WASM_ST_BASE64, mt: WASM_MT_BASE64, 'st+relaxed': WASM_ST_RELAXED_BASE64, 'mt+relaxed': WASM_MT_RELAXED_BASE64 } as const;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * The compiled module of `variant`, compiled once per process (or page): synchronously
 * where allowed (Node, workers), otherwise (a browser's main thread refuses synchronous
 * compiles of modules over 4 KiB) asynchronously; undefined until that finishes.
 */
function moduleOf(variant: WasmVariant, relaxed: boolean): WebAssembly.Module | undefined {
  const name = relaxed ? (`${variant}+relaxed` as const) : variant;
  const s = modules[name];
  if (s.module || s.pending || s.error !== undefined) return s.module;
  const bytes = decodeBase64(EMBEDS[name]);
  try {
    s.module = new WebAssembly.Module(bytes);
  } catch (error) {
    if (!(error instanceof RangeError)) {
      s.error = error;
      return undefined;
    }
    s.pending = WebAssembly.compile(bytes).then(
      (m) => (s.module = m),
      (e: unknown) => {
        s.error = e;
        return undefined;
      },
    );
  }
  return s.module;
}

const PAGE = 65536;

/** Operation codes of the `unary` kernel (assembly/elementwise.ts); log stays in TypeScript (its tables would be a data segment). */
const UNARY_CODES: readonly UnaryOpName[] = ['exp', 'tanh', 'sigmoid', 'neg', 'abs', 'sqrt', 'relu'];

/** Operation codes of the `binary` kernel (assembly/elementwise.ts). */
const BINARY_CODES: readonly (BinaryOpName | CompareOpName)[] = ['add', 'sub', 'mul', 'div', 'maximum', 'greater', 'equal'];
const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

/** Tuning knobs (measured defaults; tests set them to 0 to run tiny shapes on every path). */
export interface WasmTuning {
  /** Matmuls with fewer multiply-adds (m·n·k, per matrix) run in the TypeScript kernel. Default 4096. */
  minWasmMatmul?: number;
  /** Jobs with fewer flops in total run on one thread. Default 2^21 (about 2 MFLOP). */
  minParallelFlops?: number;
  /** LSTM jobs whose recurrent step has fewer flops (2·B·4H·H) run on one thread. Default 2^18. */
  minParallelStepFlops?: number;
  /** Adam, softmax cross-entropy and Bernoulli masks on fewer elements run in TypeScript. Default 1024. */
  minWasmElementwise?: number;
}

export interface WasmKernelsOptions extends WasmTuning {
  /** Threads wanted (>= 1); more than one needs shared memory and workers. */
  threads: number;
  /**
   * Use the relaxed-SIMD build (fused multiply-add in the GEMM) where the runtime has it
   * (default true); false keeps the SIMD128 build everywhere.
   */
  relaxedSimd?: boolean;
}

/**
 * One linear memory with the kernels instantiated over it, its worker pool and the arena
 * every call lays out anew. Shared by all backends of the same variant and thread count
 * in a process (calls are synchronous, so they never overlap), reference counted: the
 * last release terminates the workers. Sharing bounds the address space reserved for
 * WebAssembly memories however many backends a program (or a test suite) creates.
 */
export class Engine {
  readonly variant: WasmVariant;
  /** The module built with relaxed SIMD (FMA in the GEMM) runs. */
  readonly relaxed: boolean;
  readonly maxThreads: number;
  readonly key: string;
  refs = 0;
  readonly memory: WebAssembly.Memory;
  readonly #maxBytes: number;
  exports: KernelExports | null = null;
  pending: Promise<void> | null = null;
  #pool: WorkerPool | null = null;
  #poolFailed = false;
  f32: Float32Array;
  i32: Int32Array;
  readonly canWait: boolean;
  #top = ARENA_BASE;
  /** End of the highest live resident block: every call's arena starts here. */
  #residentEnd = ARENA_BASE;
  /** Live resident blocks: address -> bytes. */
  readonly #resident = new Map<number, number>();
  /** Free ranges below #residentEnd, sorted by address: [start, end). */
  #holes: [number, number][] = [];
  #released = false;

  constructor(variant: WasmVariant, relaxed: boolean, maxThreads: number, key: string) {
    this.variant = variant;
    this.relaxed = relaxed;
    this.maxThreads = maxThreads;
    this.key = key;
    const initial = 4; // control area + a small arena; grown on demand
    if (variant === 'st') {
      this.memory = new WebAssembly.Memory({ initial });
      this.#maxBytes = 2 ** 32 - PAGE;
    } else {
      let memory: WebAssembly.Memory | null = null;
      let maximum = 65536;
      // A 4 GiB maximum reserves address space only; smaller if the platform refuses it.
      for (; memory === null && maximum >= 4096; ) {
        try {
          memory = new WebAssembly.Memory({ initial, maximum, shared: true });
        } catch {
          maximum >>= 2;
        }
      }
      if (memory === null) throw new Error('cannot create shared WebAssembly memory');
      this.memory = memory;
      this.#maxBytes = maximum * PAGE;
    }
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.canWait = variant === 'mt' && canBlock(new Int32Array(new SharedArrayBuffer(4)));
    this.#instantiate();
  }

  #instantiate(): void {
    const module = moduleOf(this.variant, this.relaxed);
    const imports = { env: { memory: this.memory } };
    if (module) {
      try {
        this.exports = new WebAssembly.Instance(module, imports).exports as unknown as KernelExports;
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        this.pending = WebAssembly.instantiate(module, imports).then(
          (i) => void (this.exports = i.exports as unknown as KernelExports),
          () => undefined, // stays without exports: the TypeScript kernels run
        );
      }
      return;
    }
    const state = modules[this.relaxed ? (`${this.variant}+relaxed` as const) : this.variant];
    if (!state.pending) throw state.error instanceof Error ? state.error : new Error('cannot compile the WebAssembly kernels');
    this.pending = state.pending.then(async (m) => {
      if (!m) return;
      try {
        const instance = await WebAssembly.instantiate(m, imports);
        this.exports = instance.exports as unknown as KernelExports;
      } catch {
        // stays without exports: the TypeScript kernels run
      }
    });
  }

  get released(): boolean {
    return this.#released;
  }

  /** The pool, started on first use (its workers come up asynchronously). */
  pool(): WorkerPool | null {
    if (this.#released) return null;
    if (this.#pool || this.#poolFailed || this.maxThreads <= 1 || this.#released) return this.#pool;
    const module = moduleOf(this.variant, this.relaxed);
    if (!module) return null;
    try {
      this.#pool = new WorkerPool(module, this.memory, this.maxThreads - 1);
    } catch {
      this.#poolFailed = true;
    }
    return this.#pool;
  }

  release(): void {
    this.#released = true;
    this.#pool?.terminate();
  }

  /** Resolves when the pool's threads have ended (at once if none were started). */
  get exited(): Promise<void> {
    return this.#pool?.exited ?? Promise.resolve();
  }

  // --- arena

  /** Starts a call's arena above the resident blocks. */
  reset(): void {
    this.#top = this.#residentEnd;
  }

  /**
   * A block that outlives the call (a reserve kept in linear memory until its handle is
   * released or read): first fit among the holes, else at the end of the resident region.
   * Call before reset(). null when the memory cannot grow.
   */
  allocResident(bytes: number): number | null {
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.#holes.length; i++) {
      const hole = this.#holes[i]!;
      if (hole[1] - hole[0] >= size) {
        const at = hole[0];
        hole[0] += size;
        if (hole[0] === hole[1]) this.#holes.splice(i, 1);
        this.#resident.set(at, size);
        return at;
      }
    }
    const at = this.#residentEnd;
    this.#top = at + size;
    if (!this.commit()) return null;
    this.#residentEnd = at + size;
    this.#resident.set(at, size);
    return at;
  }

  freeResident(at: number): void {
    const size = this.#resident.get(at);
    if (size === undefined) return;
    this.#resident.delete(at);
    const holes = this.#holes;
    let i = 0;
    while (i < holes.length && holes[i]![0] < at) i++;
    holes.splice(i, 0, [at, at + size]);
    // Merge with the neighbours.
    if (i + 1 < holes.length && holes[i]![1] === holes[i + 1]![0]) {
      holes[i]![1] = holes[i + 1]![1];
      holes.splice(i + 1, 1);
    }
    if (i > 0 && holes[i - 1]![1] === holes[i]![0]) {
      holes[i - 1]![1] = holes[i]![1];
      holes.splice(i, 1);
      i--;
    }
    // A hole at the end gives the space back to the arena.
    const last = holes[holes.length - 1];
    if (last && last[1] === this.#residentEnd) {
      this.#residentEnd = last[0];
      holes.pop();
    }
  }

  /** Bytes held by resident blocks (tests). */
  get residentBytes(): number {
    let n = 0;
    for (const size of this.#resident.values()) n += size;
    return n;
  }

  /** Reserves `bytes` (64-byte aligned) and returns the address. */
  alloc(bytes: number): number {
    const at = this.#top;
    this.#top = align(at + bytes);
    return at;
  }

  /** Grows the memory to cover the arena; false when it cannot. Refreshes the views. */
  commit(): boolean {
    if (this.#top > this.#maxBytes) return false;
    const have = this.memory.buffer.byteLength;
    if (this.#top > have) {
      try {
        this.memory.grow(Math.ceil((this.#top - have) / PAGE));
      } catch {
        return false;
      }
    }
    if (this.f32.buffer !== this.memory.buffer || this.f32.byteLength !== this.memory.buffer.byteLength) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
    return true;
  }

  put(at: number, src: Float32Array | Int32Array, start = 0, end = src.length): void {
    if (end <= start) return;
    const view = src instanceof Int32Array ? this.i32 : this.f32;
    view.set(start === 0 && end === src.length ? src : src.subarray(start, end), at >> 2);
  }

  get(at: number, dst: Float32Array, length = dst.length, dstOffset = 0): void {
    if (length <= 0) return;
    dst.set(this.f32.subarray(at >> 2, (at >> 2) + length), dstOffset);
  }

  args(values: readonly number[]): void {
    const base = ARGS >> 2;
    for (let i = 0; i < values.length; i++) this.i32[base + i] = values[i]!;
  }

  /** Float arguments from slot `from` on (stored as f32 bits in the i32 slots). */
  argsF32(from: number, values: readonly number[]): void {
    const base = (ARGS >> 2) + from;
    for (let i = 0; i < values.length; i++) this.f32[base + i] = values[i]!;
  }

  run(kind: JobKind, nt: number): void {
    const fn = this.exports![kind];
    const canWait = this.canWait ? 1 : 0;
    const pool = nt > 1 ? this.#pool : null;
    if (pool) {
      this.i32[BARRIER >> 2] = 0;
      pool.run(JOB_KINDS.indexOf(kind), ARGS, nt, () => fn(ARGS, 0, nt, canWait), this.canWait);
    } else {
      fn(ARGS, 0, 1, canWait);
    }
  }

  scratchStride(extraBytes: number): number {
    return align((this.exports!.GEMM_SCRATCH_BYTES.value as number) + extraBytes);
  }
}

/** Gives back the block of a resident reserve that was collected without free() (a backend dropped without dispose()). */
const reserveFinalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<{ engine: Engine; address: number }>(({ engine, address }) => {
        if (!engine.released) engine.freeResident(address);
      })
    : null;

/** A reserve left in an engine's linear memory by `lstmSequenceResident`. */
export class ResidentReserve {
  /** @internal */
  readonly engine: Engine;
  readonly address: number;
  /** Floats. */
  readonly length: number;
  #live = true;

  /** @internal */
  constructor(engine: Engine, address: number, length: number) {
    this.engine = engine;
    this.address = address;
    this.length = length;
    reserveFinalizer?.register(this, { engine, address }, this);
  }

  get live(): boolean {
    return this.#live && !this.engine.released;
  }

  /** Copies the values into `out` (length floats). */
  copyTo(out: Float32Array): void {
    if (!this.live) throw new Error('the reserve was freed');
    this.engine.get(this.address, out, this.length);
  }

  /** A copy of the values. */
  read(): Float32Array {
    const out = new Float32Array(this.length);
    this.copyTo(out);
    return out;
  }

  /** Gives the block back (idempotent). */
  free(): void {
    if (!this.#live) return;
    this.#live = false;
    reserveFinalizer?.unregister(this);
    if (!this.engine.released) this.engine.freeResident(this.address);
  }
}

const engines = new Map<string, Engine>();

function acquireEngine(variant: WasmVariant, relaxed: boolean, maxThreads: number): Engine {
  const key = `${variant}${relaxed ? '+relaxed' : ''}/${maxThreads}`;
  let e = engines.get(key);
  if (!e || e.released) {
    e = new Engine(variant, relaxed, maxThreads, key);
    engines.set(key, e);
  }
  e.refs++;
  return e;
}

function releaseEngine(e: Engine): void {
  if (--e.refs > 0) return;
  e.release();
  if (engines.get(e.key) === e) engines.delete(e.key);
}

/** Releases an engine reference when its backend is garbage-collected without dispose(). */
const finalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Engine>(releaseEngine) : null;

/**
 * The WebAssembly SIMD kernels behind the same signatures as the TypeScript ones
 * (`kernels/matmul.ts`, `lstm-sequence.ts`, `lstm-sequence-backward.ts`). Operands are
 * copied into an arena of the module's linear memory (grown on demand, never allocated
 * per call), the kernel runs there (on worker threads too when the job is big enough),
 * results are copied out: O(n²) copies against O(n³) work. Each method returns false
 * when it did not run (module still compiling, arena past the memory limit), and the
 * caller then runs the TypeScript kernel.
 */
export class WasmKernels {
  readonly variant: WasmVariant;
  /** The relaxed-SIMD build runs (FMA in the GEMM). */
  readonly relaxedSimd: boolean;
  /** Threads a job may use (1 for 'st'). */
  readonly maxThreads: number;
  readonly #tuning: Required<WasmTuning>;
  readonly #engine: Engine;
  #disposed = false;

  /** null where WebAssembly SIMD is missing. `owner` is the object whose collection releases the engine. */
  static create(options: WasmKernelsOptions, owner?: object): WasmKernels | null {
    if (!wasmSimdSupported()) return null;
    const threads = Number.isFinite(options.threads) ? Math.max(1, Math.min(MAX_THREADS, Math.floor(options.threads))) : 1;
    const threaded = threads > 1 && sharedMemorySupported() && workersSupported();
    let engine: Engine;
    try {
      const relaxed = options.relaxedSimd !== false && relaxedSimdSupported();
      engine = acquireEngine(threaded ? 'mt' : 'st', relaxed, threaded ? threads : 1);
    } catch {
      return null; // no memory or no module here: the TypeScript kernels run
    }
    const kernels = new WasmKernels(engine, options);
    if (owner && finalizer) finalizer.register(owner, kernels.#engine, kernels);
    return kernels;
  }

  private constructor(engine: Engine, tuning: WasmTuning) {
    this.#engine = engine;
    this.variant = engine.variant;
    this.relaxedSimd = engine.relaxed;
    this.maxThreads = engine.maxThreads;
    this.#tuning = {
      minWasmMatmul: tuning.minWasmMatmul ?? 4096,
      minParallelFlops: tuning.minParallelFlops ?? 2 ** 21,
      minParallelStepFlops: tuning.minParallelStepFlops ?? 2 ** 18,
      minWasmElementwise: tuning.minWasmElementwise ?? 1024,
    };
  }

  /** Whether the kernels can run now (the module is compiled and instantiated). */
  get ready(): boolean {
    return !this.#disposed && this.#engine.exports !== null;
  }

  /** Threads the pool has ready now (1 when single-threaded or not started yet). */
  get threadsReady(): number {
    const pool = this.maxThreads > 1 && !this.#disposed ? this.#engine.pool() : null;
    return pool ? 1 + pool.readyWorkers() : 1;
  }

  /** Resolves when the module is instantiated and, for threads > 1, the workers have started. */
  async whenReady(): Promise<void> {
    if (this.#engine.pending) await this.#engine.pending;
    if (this.maxThreads > 1 && !this.#disposed) {
      const pool = this.#engine.pool();
      if (pool) await pool.whenReady();
    }
  }

  /** Bytes of the engine's memory held by resident reserves (shared by backends of the same kind). */
  get residentBytes(): number {
    return this.#engine.residentBytes;
  }

  /** Resolves once the worker threads of this kernels' engine have ended (after the last dispose). */
  get workersExited(): Promise<void> {
    return this.#engine.exited;
  }

  /** Drops this backend's reference: the last one terminates the worker threads. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    finalizer?.unregister(this);
    releaseEngine(this.#engine);
  }

  /** Threads for a job of `flops` (and, for the LSTM, `stepFlops` per step), at most `useful`. */
  #threadsFor(flops: number, stepFlops: number, useful: number): number {
    if (this.maxThreads <= 1 || useful <= 1) return 1;
    if (flops < this.#tuning.minParallelFlops || stepFlops < this.#tuning.minParallelStepFlops) return 1;
    const pool = this.#engine.pool();
    if (!pool) return 1;
    return Math.min(this.maxThreads, useful, 1 + pool.readyWorkers());
  }

  // --- kernels

  /** Same contract as `matmul` in kernels/matmul.ts (batched, broadcast, transpose flags). */
  matmul(a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, transposeA: boolean, transposeB: boolean, out: Float32Array, outShape: Shape): boolean {
    if (!this.ready) return false;
    const e = this.#engine;
    const ra = aShape.length;
    const rb = bShape.length;
    const m = transposeA ? aShape[ra - 1]! : aShape[ra - 2]!;
    const k = transposeA ? aShape[ra - 2]! : aShape[ra - 1]!;
    const n = transposeB ? bShape[rb - 2]! : bShape[rb - 1]!;
    if (out.length === 0) return true;
    if (m * n * k < this.#tuning.minWasmMatmul) return false;
    const batchShape = outShape.slice(0, -2);
    const aStrides = broadcastStrides(aShape.slice(0, -2), batchShape);
    const bStrides = broadcastStrides(bShape.slice(0, -2), batchShape);
    const batches = out.length / (m * n);
    const mr = e.exports!.MR.value as number;
    const nr = e.exports!.NR.value as number;
    const nt = this.#threadsFor(2 * m * n * k * batches, 2 * m * n * k, Math.max(Math.ceil(m / mr), Math.ceil(n / nr)) >> 1);
    e.reset();
    const pa = e.alloc(a.length * 4);
    const pb = e.alloc(b.length * 4);
    const pc = e.alloc(out.length * 4);
    const stride = e.scratchStride(0);
    const scratch = e.alloc(stride * nt);
    if (!e.commit()) return false;
    e.put(pa, a);
    e.put(pb, b);
    const rank = batchShape.length;
    const index = new Array<number>(rank).fill(0);
    let aBatch = 0;
    let bBatch = 0;
    for (let t = 0; t < batches; t++) {
      e.args([m, n, k, pa + aBatch * m * k * 4, transposeA ? m : k, transposeA ? 1 : 0, pb + bBatch * k * n * 4, transposeB ? k : n, transposeB ? 1 : 0, pc + t * m * n * 4, n, 0, 0, scratch, stride]);
      e.run('gemm', nt);
      for (let d = rank - 1; d >= 0; d--) {
        aBatch += aStrides[d]!;
        bBatch += bStrides[d]!;
        if (++index[d]! < batchShape[d]!) break;
        aBatch -= aStrides[d]! * batchShape[d]!;
        bBatch -= bStrides[d]! * batchShape[d]!;
        index[d] = 0;
      }
    }
    e.get(pc, out);
    return true;
  }

  /** Same contract as `gemmNT` in kernels/matmul.ts (strided a · bᵀ with accumulate and bias). */
  gemmNT(
    m: number, n: number, k: number,
    a: Float32Array, aOffset: number, lda: number,
    b: Float32Array, bOffset: number, ldb: number,
    out: Float32Array, outOffset: number, ldo: number,
    accumulate: boolean, bias: Float32Array | null,
  ): boolean {
    if (!this.ready) return false;
    const e = this.#engine;
    if (m <= 0 || n <= 0) return true;
    const nt = this.#threadsFor(2 * m * n * k, 2 * m * n * k, Math.max(m, n) >> 4);
    const aLen = k > 0 ? (m - 1) * lda + k : 0;
    const bLen = k > 0 ? (n - 1) * ldb + k : 0;
    const oLen = (m - 1) * ldo + n;
    e.reset();
    const pa = e.alloc(aLen * 4);
    const pb = e.alloc(bLen * 4);
    const po = e.alloc(oLen * 4);
    const pbias = e.alloc(n * 4 + 32);
    const stride = e.scratchStride(0);
    const scratch = e.alloc(stride * nt);
    if (!e.commit()) return false;
    e.put(pa, a, aOffset, aOffset + aLen);
    e.put(pb, b, bOffset, bOffset + bLen);
    let mode = 0;
    if (accumulate) {
      e.put(po, out, outOffset, outOffset + oLen);
      mode = 1;
      if (bias) {
        // out += bias first, then accumulate the product.
        const f = e.f32;
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) f[(po >> 2) + i * ldo + j] += bias[j]!;
      }
    } else if (bias) {
      e.put(pbias, bias, 0, n);
      mode = 2;
    }
    e.args([m, n, k, pa, lda, 0, pb, ldb, 1, po, ldo, mode, pbias, scratch, stride]);
    e.run('gemm', nt);
    // Copy back row by row: the gaps between rows (ldo > n) belong to the caller.
    for (let i = 0; i < m; i++) e.get(po + i * ldo * 4, out, n, outOffset + i * ldo);
    return true;
  }

  /** Same contract as `lstmSequence` in kernels/lstm-sequence.ts, same reserve layout. */
  lstmSequence(
    x: Float32Array, wIh: Float32Array, wHh: Float32Array, bias: Float32Array, h0: Float32Array, c0: Float32Array,
    lengths: Int32Array | null, reverse: boolean, T: number, B: number, I: number, H: number,
    y: Float32Array, hT: Float32Array, cT: Float32Array, reserve: Float32Array,
  ): boolean {
    const resident = this.lstmSequenceResident(x, wIh, wHh, bias, h0, c0, lengths, reverse, T, B, I, H, y, hT, cT);
    if (!resident) return false;
    resident.copyTo(reserve);
    resident.free();
    return true;
  }

  /**
   * `lstmSequence` that leaves the reserve in linear memory (no copy out): the backward
   * reads it there, and it is copied out only if someone reads it. The caller frees it.
   * null when the kernel did not run.
   */
  lstmSequenceResident(
    x: Float32Array, wIh: Float32Array, wHh: Float32Array, bias: Float32Array, h0: Float32Array, c0: Float32Array,
    lengths: Int32Array | null, reverse: boolean, T: number, B: number, I: number, H: number,
    y: Float32Array, hT: Float32Array, cT: Float32Array,
  ): ResidentReserve | null {
    if (!this.ready) return null;
    const e = this.#engine;
    const mr = e.exports!.MR.value as number;
    const nr = e.exports!.NR.value as number;
    const G = 4 * H;
    const rows = T * B;
    const panels = Math.ceil(H / nr);
    const stepFlops = 2 * B * G * H;
    const nt = this.#threadsFor(2 * rows * G * (I + H), stepFlops, panels);
    const reserveSize = lstmReserveLayout(T, B, H).size;
    const pres = e.allocResident(reserveSize * 4);
    if (pres === null) return null;
    e.reset();
    const px = e.alloc(rows * I * 4);
    const pwIh = e.alloc(G * I * 4);
    const pwHh = e.alloc(G * H * 4);
    const pbias = e.alloc(G * 4 + 32);
    const ph0 = e.alloc(B * H * 4);
    const pc0 = e.alloc(B * H * 4);
    const plen = lengths ? e.alloc(B * 4) : 0;
    const py = e.alloc(rows * H * 4);
    const phT = e.alloc(B * H * 4);
    const pcT = e.alloc(B * H * 4);
    const phbuf = e.alloc(2 * B * H * 4);
    const ppacked = e.alloc(4 * panels * nr * H * 4);
    const stride = e.scratchStride(Math.ceil(B / mr) * mr * H * 4);
    const scratch = e.alloc(stride * nt);
    if (!e.commit()) {
      e.freeResident(pres);
      return null;
    }
    e.put(px, x, 0, rows * I);
    e.put(pwIh, wIh, 0, G * I);
    e.put(pwHh, wHh, 0, G * H);
    e.put(pbias, bias, 0, G);
    e.put(ph0, h0, 0, B * H);
    e.put(pc0, c0, 0, B * H);
    if (lengths) e.put(plen, lengths, 0, B);
    e.args([T, B, I, H, reverse ? 1 : 0, px, pwIh, pwHh, pbias, ph0, pc0, plen, py, phT, pcT, pres, phbuf, ppacked, scratch, stride, BARRIER]);
    e.run('lstmForward', nt);
    e.get(py, y, rows * H);
    e.get(phT, hT, B * H);
    e.get(pcT, cT, B * H);
    return new ResidentReserve(e, pres, reserveSize);
  }

  /** Same contract as `lstmSequenceBackward` in kernels/lstm-sequence-backward.ts. */
  lstmSequenceBackward(
    x: Float32Array, wIh: Float32Array, wHh: Float32Array, lengths: Int32Array | null, reverse: boolean,
    T: number, B: number, I: number, H: number,
    dy: Float32Array | null, dhT: Float32Array | null, dcT: Float32Array | null, reserve: Float32Array | ResidentReserve,
    dx: Float32Array, dwIh: Float32Array, dwHh: Float32Array, dBias: Float32Array, dh0: Float32Array, dc0: Float32Array,
  ): boolean {
    if (!this.ready) return false;
    const e = this.#engine;
    const ex = e.exports!;
    const mr = ex.MR.value as number;
    const nr = ex.NR.value as number;
    const G = 4 * H;
    const rows = T * B;
    const panels = Math.ceil(H / nr);
    const stepFlops = 2 * B * G * H;
    const nt = this.#threadsFor(4 * rows * G * (I + H), stepFlops, panels);
    const reserveSize = lstmReserveLayout(T, B, H).size;
    e.reset();
    const px = e.alloc(rows * I * 4);
    const pwIh = e.alloc(G * I * 4);
    const pwHh = e.alloc(G * H * 4);
    const plen = lengths ? e.alloc(B * 4) : 0;
    const pdy = dy ? e.alloc(rows * H * 4) : 0;
    const pdhT = dhT ? e.alloc(B * H * 4) : 0;
    const pdcT = dcT ? e.alloc(B * H * 4) : 0;
    // A reserve still in linear memory is read in place.
    const inPlace = reserve instanceof ResidentReserve && reserve.live && reserve.engine === e && reserve.length === reserveSize;
    const pres = inPlace ? reserve.address : e.alloc(reserveSize * 4);
    const pdx = e.alloc(rows * I * 4);
    const pdwIh = e.alloc(G * I * 4);
    const pdwHh = e.alloc(G * H * 4);
    const pdBias = e.alloc(G * 4);
    const pdh0 = e.alloc(B * H * 4);
    const pdc0 = e.alloc(B * H * 4);
    const pdG = e.alloc(rows * G * 4);
    const pdhbuf = e.alloc(2 * B * H * 4);
    const ppacked = e.alloc(panels * nr * G * 4);
    const stride = e.scratchStride(Math.ceil(B / mr) * mr * G * 4);
    const scratch = e.alloc(stride * nt);
    if (!e.commit()) return false;
    e.put(px, x, 0, rows * I);
    e.put(pwIh, wIh, 0, G * I);
    e.put(pwHh, wHh, 0, G * H);
    if (lengths) e.put(plen, lengths, 0, B);
    if (dy) e.put(pdy, dy, 0, rows * H);
    if (dhT) e.put(pdhT, dhT, 0, B * H);
    if (dcT) e.put(pdcT, dcT, 0, B * H);
    if (!inPlace) e.put(pres, reserve instanceof ResidentReserve ? reserve.read() : reserve, 0, reserveSize);
    e.args([T, B, I, H, reverse ? 1 : 0, px, pwIh, pwHh, plen, pdy, pdhT, pdcT, pres, pdx, pdwIh, pdwHh, pdBias, pdh0, pdc0, pdG, pdhbuf, ppacked, scratch, stride, BARRIER]);
    e.run('lstmBackward', nt);
    e.get(pdx, dx, rows * I);
    e.get(pdwIh, dwIh, G * I);
    e.get(pdwHh, dwHh, G * H);
    e.get(pdBias, dBias, G);
    e.get(pdh0, dh0, B * H);
    e.get(pdc0, dc0, B * H);
    return true;
  }

  /**
   * Same contract as `adamStep` in kernels/adam-step.ts, computed in float32 (as
   * PyTorch's fused CPU Adam does). The outputs may alias the inputs.
   */
  adamStep(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, scale: number, hyper: AdamHyperparameters,
    paramOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
  ): boolean {
    if (!this.ready) return false;
    const n = param.length;
    if (n < this.#tuning.minWasmElementwise) return false;
    const e = this.#engine;
    const nt = this.#threadsFor(16 * n, 16 * n, n >> 14);
    e.reset();
    const bytes = n * 4;
    const pp = e.alloc(bytes);
    const pg = e.alloc(bytes);
    const pm = e.alloc(bytes);
    const pv = e.alloc(bytes);
    if (!e.commit()) return false;
    e.put(pp, param);
    e.put(pg, grad);
    e.put(pm, m);
    e.put(pv, v);
    this.#runAdam(n, pp, pg, pm, pv, scale, hyper, nt);
    e.get(pp, paramOut, n);
    e.get(pm, mOut, n);
    e.get(pv, vOut, n);
    return true;
  }

  /** Runs the `adam` job over arena blocks (args layout: assembly/elementwise.ts). */
  #runAdam(n: number, pp: number, pg: number, pm: number, pv: number, scale: number, hyper: AdamHyperparameters, nt: number): void {
    const e = this.#engine;
    const { learningRate: lr, beta1, beta2, epsilon, weightDecay } = hyper;
    const l2 = weightDecay !== 0 && !hyper.decoupledWeightDecay ? weightDecay : 0;
    const decay = weightDecay !== 0 && hyper.decoupledWeightDecay ? 1 - lr * weightDecay : 1;
    e.args([n, pp, pg, pm, pv]);
    e.argsF32(5, [scale, beta1, beta2, 1 - beta1, 1 - beta2, epsilon, l2, decay, lr / (1 - beta1 ** hyper.step), 1 / Math.sqrt(1 - beta2 ** hyper.step)]);
    e.run('adam', nt);
  }

  /**
   * `adamStep` updating `param` in place, with the moments kept in linear memory between
   * steps: `m` and `v` are either resident blocks from an earlier call (updated where
   * they are) or arrays (copied into new resident blocks). Saves copying both moments in
   * and out at every step. Returns the resident moments, or null when it did not run
   * (then nothing changed).
   */
  adamStepResident(
    param: Float32Array, grad: Float32Array, m: Float32Array | ResidentReserve, v: Float32Array | ResidentReserve, scale: number, hyper: AdamHyperparameters,
  ): { m: ResidentReserve; v: ResidentReserve } | null {
    if (!this.ready) return null;
    const n = param.length;
    if (n < this.#tuning.minWasmElementwise) return null;
    const e = this.#engine;
    const usable = (x: Float32Array | ResidentReserve): x is ResidentReserve => x instanceof ResidentReserve && x.live && x.engine === e && x.length === n;
    const fresh: number[] = [];
    const place = (x: Float32Array | ResidentReserve): number | null => {
      if (usable(x)) return x.address;
      const at = e.allocResident(n * 4 + 16);
      if (at !== null) fresh.push(at);
      return at;
    };
    const pm = place(m);
    const pv = pm === null ? null : place(v);
    if (pm === null || pv === null) {
      for (const at of fresh) e.freeResident(at);
      return null;
    }
    const nt = this.#threadsFor(16 * n, 16 * n, n >> 14);
    e.reset();
    const pp = e.alloc(n * 4 + 16);
    const pg = e.alloc(n * 4 + 16);
    if (!e.commit()) {
      for (const at of fresh) e.freeResident(at);
      return null;
    }
    e.put(pp, param);
    e.put(pg, grad);
    if (!usable(m)) e.put(pm, m instanceof ResidentReserve ? m.read() : m);
    if (!usable(v)) e.put(pv, v instanceof ResidentReserve ? v.read() : v);
    this.#runAdam(n, pp, pg, pm, pv, scale, hyper, nt);
    e.get(pp, param, n);
    return { m: usable(m) ? m : new ResidentReserve(e, pm, n), v: usable(v) ? v : new ResidentReserve(e, pv, n) };
  }

  /**
   * Lays out a row-wise job over x [N, C] in the arena: x (and labels), per-row parts
   * (two float64 each) and an [N, C] output; null where the WebAssembly path does not
   * take it (not ready, too small, no room).
   */
  #rowsJob(x: Float32Array, N: number, C: number, labels?: Int32Array): { nt: number; px: number; pl: number; pparts: number; pout: number } | null {
    if (!this.ready || N * C < this.#tuning.minWasmElementwise) return null;
    const e = this.#engine;
    const nt = this.#threadsFor(20 * N * C, 20 * N * C, N);
    e.reset();
    const px = e.alloc(N * C * 4);
    const pl = labels ? e.alloc(N * 4) : 0;
    const pparts = e.alloc(N * 16);
    const pout = e.alloc(N * C * 4);
    if (!e.commit()) return null;
    e.put(px, x, 0, N * C);
    if (labels) e.put(pl, labels, 0, N);
    return { nt, px, pl, pparts, pout };
  }

  /** Same contract as `softmaxCrossEntropy` in kernels/softmax-cross-entropy.ts (vector exp, sums in float64). */
  softmaxCrossEntropy(logits: Float32Array, labels: Int32Array, N: number, C: number, loss: Float32Array, probabilities: Float32Array): boolean {
    const job = this.#rowsJob(logits, N, C, labels);
    if (!job) return false;
    const e = this.#engine;
    e.args([N, C, job.px, job.pl, job.pparts, job.pout]);
    e.run('softmaxXent', job.nt);
    const parts = new Float64Array(e.memory.buffer, job.pparts, 2 * N);
    for (let n = 0; n < N; n++) loss[n] = parts[2 * n]! + Math.log(parts[2 * n + 1]!);
    e.get(job.pout, probabilities, N * C);
    return true;
  }

  /** Same contract as `logSoftmax` in kernels/log-softmax.ts (rows of C, the last axis). */
  logSoftmax(x: Float32Array, N: number, C: number, out: Float32Array): boolean {
    const job = this.#rowsJob(x, N, C);
    if (!job) return false;
    const e = this.#engine;
    e.args([N, C, job.px, job.pparts, job.pout, 0]);
    e.run('logSoftmax', job.nt);
    // Σ -> log Σ between the phases: log stays out of the module (see softmaxCrossEntropy).
    const parts = new Float64Array(e.memory.buffer, job.pparts, 2 * N);
    for (let n = 0; n < N; n++) parts[2 * n + 1] = Math.log(parts[2 * n + 1]!);
    e.args([N, C, job.px, job.pparts, job.pout, 1]);
    e.run('logSoftmax', job.nt);
    e.get(job.pout, out, N * C);
    return true;
  }

  /** Same contract as `randomBernoulli` in kernels/random.ts (Threefry four lanes at a time). */
  randomBernoulli(p: number, seed: number, out: Float32Array): boolean {
    if (!this.ready) return false;
    const n = out.length;
    if (n < this.#tuning.minWasmElementwise || n >= 2 ** 31) return false;
    const e = this.#engine;
    const nt = this.#threadsFor(200 * n, 200 * n, n >> 12);
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
  binary(op: BinaryOpName | CompareOpName, a: TensorData, aShape: Shape, b: TensorData, bShape: Shape, out: TensorData, outShape: Shape): boolean {
    if (!this.ready || !(a instanceof Float32Array) || !(b instanceof Float32Array) || !(out instanceof Float32Array)) return false;
    const size = out.length;
    if (size < this.#tuning.minWasmElementwise) return false;
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
    const e = this.#engine;
    const nt = this.#threadsFor(4 * size, 4 * size, size >> 16);
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

  /**
   * Same contract as `sum` in kernels/reduce.ts for float32 when the reduced axes merge
   * into one run (x viewed as [P, R, Q], R reduced): whole sums, row sums, column sums.
   * false otherwise.
   */
  sum(x: TensorData, shape: Shape, axes: readonly number[], out: TensorData): boolean {
    if (!this.ready || !(x instanceof Float32Array) || !(out instanceof Float32Array)) return false;
    if (x.length < this.#tuning.minWasmElementwise || out.length === 0) return false;
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
    if (at < 0 || reduced.lastIndexOf(true) !== at || sizes.length > 3) return false;
    const P = at > 0 ? sizes[0]! : 1;
    const R = sizes[at]!;
    const Q = at < sizes.length - 1 ? sizes[sizes.length - 1]! : 1;
    const e = this.#engine;
    const nt = this.#threadsFor(x.length, x.length, Math.max(P, Q >> 4));
    const scratchStride = Math.ceil((Q * 8) / 64) * 64 + 64;
    e.reset();
    const px = e.alloc(x.length * 4 + 16);
    const po = e.alloc(out.length * 4 + 16);
    const ps = e.alloc(scratchStride * nt);
    if (!e.commit()) return false;
    e.put(px, x);
    e.args([P, R, Q, px, po, ps, scratchStride]);
    e.run('reduceSum', nt);
    e.get(po, out, out.length);
    return true;
  }

  /**
   * Same contract as `unary` in kernels/elementwise.ts for float32 exp, tanh, sigmoid, neg,
   * abs, sqrt and relu. exp, tanh and sigmoid are the vector approximations of the LSTM
   * kernels (within a few ulp; exact limits); false for log and int32.
   */
  unary(op: UnaryOpName, x: TensorData, out: TensorData): boolean {
    if (!this.ready || !(x instanceof Float32Array) || !(out instanceof Float32Array)) return false;
    const code = UNARY_CODES.indexOf(op);
    const n = x.length;
    if (code < 0 || n < this.#tuning.minWasmElementwise) return false;
    const e = this.#engine;
    const nt = this.#threadsFor(20 * n, 20 * n, n >> 14);
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

  /** The vector sigmoid / tanh of the LSTM kernels on one value (accuracy tests). */
  activation(name: 'sigmoid' | 'tanh', x: number): number {
    const ex = this.#engine.exports;
    if (!ex) throw new Error('the WebAssembly kernels are not ready');
    return name === 'sigmoid' ? ex.sigmoidf(x) : ex.tanhf(x);
  }
}

