import { MAX_THREADS } from './layout.js';
import { acquireEngine, releaseEngine, type Engine } from './engine.js';
import type { ResidentReserve } from './memory.js';
import type { WasmVariant } from './module.js';
import { relaxedSimdSupported, sharedMemorySupported, wasmSimdSupported, workersSupported } from './platform.js';
import * as adam from './jobs/adam.js';
import * as elementwise from './jobs/elementwise.js';
import * as gemm from './jobs/gemm.js';
import type { JobContext, WasmTuning } from './jobs/job-context.js';
import { PackedWeights } from './packed-weights.js';
import * as lstm from './jobs/lstm.js';
import * as rows from './jobs/rows.js';

export { ResidentReserve } from './memory.js';
export type { WasmVariant } from './module.js';
export type { WasmTuning } from './jobs/job-context.js';

/** A job's arguments after its context (the `WasmKernels` methods take exactly these). */
type JobArgs<F> = F extends (ctx: JobContext, ...args: infer A) => unknown ? A : never;

export interface WasmKernelsOptions extends WasmTuning {
  /** Threads wanted (>= 1); more than one needs shared memory and workers. */
  threads: number;
  /**
   * Use the relaxed-SIMD build (fused multiply-add in the GEMM) where the runtime has it
   * (default true); false keeps the SIMD128 build everywhere.
   */
  relaxedSimd?: boolean;
}

/** Every job of ./jobs (one file per family) by name: each returns false (or null) when it did not run. */
const JOBS = { ...gemm, ...lstm, ...adam, ...rows, ...elementwise };

/** The jobs as methods: each takes its job's arguments after the context, same contract as the job. */
type BoundJobs = { readonly [K in keyof typeof JOBS]: (...args: JobArgs<(typeof JOBS)[K]>) => ReturnType<(typeof JOBS)[K]> };

// Declaration merging gives the class the job methods its constructor binds.
export interface WasmKernels extends BoundJobs {}

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
  readonly #jobs: JobContext;
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
    const tuned = {
      minWasmMatmul: tuning.minWasmMatmul ?? 4096,
      minParallelFlops: tuning.minParallelFlops ?? 2 ** 21,
      minParallelStepFlops: tuning.minParallelStepFlops ?? 2 ** 18,
      minWasmElementwise: tuning.minWasmElementwise ?? 1024,
      maxPackedWeightBytes: tuning.maxPackedWeightBytes ?? 64 * 2 ** 20,
    };
    const nr = engine.exports ? (engine.exports.NR.value as number) : 8;
    this.#jobs = { engine, tuning: tuned, packed: new PackedWeights(engine, tuned.maxPackedWeightBytes, nr), ready: () => this.ready, threadsFor: (flops, stepFlops, useful) => this.#threadsFor(flops, stepFlops, useful) };
    const self = this as unknown as Record<string, unknown>;
    for (const [name, job] of Object.entries(JOBS) as [string, (ctx: JobContext, ...args: unknown[]) => unknown][]) {
      self[name] = (...args: unknown[]) => job(this.#jobs, ...args);
    }
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

  /** Bytes of the engine's memory held by this backend's packed weights. */
  get packedBytes(): number {
    return this.#jobs.packed.bytes;
  }

  /** Storage `id` was written in place or freed: drops what was packed from it. */
  forgetPacked(id: number): void {
    this.#jobs.packed.forget(id);
  }

  /** Gives back the memory of the packed weights (kept for reuse by the engine). */
  clearPacked(): void {
    this.#jobs.packed.clear();
  }

  /** Resolves once the worker threads of this kernels' engine have ended (after the last dispose). */
  get workersExited(): Promise<void> {
    return this.#engine.exited;
  }

  /** Drops this backend's reference: the last one terminates the worker threads. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#jobs.packed.clear();
    finalizer?.unregister(this);
    releaseEngine(this.#engine);
  }

  /** Threads for a job of `flops` (and, for the LSTM, `stepFlops` per step), at most `useful`. */
  #threadsFor(flops: number, stepFlops: number, useful: number): number {
    if (this.maxThreads <= 1 || useful <= 1) return 1;
    if (flops < this.#jobs.tuning.minParallelFlops || stepFlops < this.#jobs.tuning.minParallelStepFlops) return 1;
    const pool = this.#engine.pool();
    if (!pool) return 1;
    return Math.min(this.maxThreads, useful, 1 + pool.readyWorkers());
  }

  /** The vector sigmoid / tanh of the LSTM kernels on one value (accuracy tests). */
  activation(name: 'sigmoid' | 'tanh', x: number): number {
    const ex = this.#engine.exports;
    if (!ex) throw new Error('the WebAssembly kernels are not ready');
    return name === 'sigmoid' ? ex.sigmoidf(x) : ex.tanhf(x);
  }
}
