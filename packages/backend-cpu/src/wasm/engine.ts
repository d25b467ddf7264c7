import { ARGS, BARRIER, JOB_KINDS, type JobKind } from './layout.js';
import { LinearMemory, align } from './memory.js';
import { moduleOf, moduleState, type KernelExports, type WasmVariant } from './module.js';
import { canBlock } from './platform.js';
import { WorkerPool } from './pool.js';

/**
 * One linear memory with the kernels instantiated over it, its worker pool and the arena
 * every call lays out anew. Shared by all backends of the same variant and thread count
 * in a process (calls are synchronous, so they never overlap), reference counted: the
 * last release terminates the workers. Sharing bounds the address space reserved for
 * WebAssembly memories however many backends a program (or a test suite) creates.
 */
export class Engine extends LinearMemory {
  readonly variant: WasmVariant;
  /** The module built with relaxed SIMD (FMA in the GEMM) runs. */
  readonly relaxed: boolean;
  readonly maxThreads: number;
  readonly key: string;
  refs = 0;
  exports: KernelExports | null = null;
  pending: Promise<void> | null = null;
  #pool: WorkerPool | null = null;
  #poolFailed = false;
  readonly canWait: boolean;

  constructor(variant: WasmVariant, relaxed: boolean, maxThreads: number, key: string) {
    super(variant);
    this.variant = variant;
    this.relaxed = relaxed;
    this.maxThreads = maxThreads;
    this.key = key;
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
    const state = moduleState(this.variant, this.relaxed);
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

  /** The pool, started on first use (its workers come up asynchronously). */
  pool(): WorkerPool | null {
    if (this.released) return null;
    if (this.#pool || this.#poolFailed || this.maxThreads <= 1) return this.#pool;
    const module = moduleOf(this.variant, this.relaxed);
    if (!module) return null;
    try {
      this.#pool = new WorkerPool(module, this.memory, this.maxThreads - 1);
    } catch {
      this.#poolFailed = true;
    }
    return this.#pool;
  }

  override release(): void {
    super.release();
    this.#pool?.terminate();
  }

  /** Resolves when the pool's threads have ended (at once if none were started). */
  get exited(): Promise<void> {
    return this.#pool?.exited ?? Promise.resolve();
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

const engines = new Map<string, Engine>();

/** The shared engine of a variant and thread count, made on first use; counts a reference. */
export function acquireEngine(variant: WasmVariant, relaxed: boolean, maxThreads: number): Engine {
  const key = `${variant}${relaxed ? '+relaxed' : ''}/${maxThreads}`;
  let e = engines.get(key);
  if (!e || e.released) {
    e = new Engine(variant, relaxed, maxThreads, key);
    engines.set(key, e);
  }
  e.refs++;
  return e;
}

/** Drops a reference: the last one releases the engine (and ends its workers). */
export function releaseEngine(e: Engine): void {
  if (--e.refs > 0) return;
  e.release();
  if (engines.get(e.key) === e) engines.delete(e.key);
}
