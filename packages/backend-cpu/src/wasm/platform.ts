/**
 * What the environment offers the WebAssembly kernels: SIMD, shared memory, worker
 * threads and the core count. No static import of a Node module: in Node the built-ins
 * are reached through `process.getBuiltinModule` (Node >= 20.16), so browser bundles see
 * no `node:` specifier; in browsers Web Workers run from a Blob URL.
 */

/** A worker as the pool uses it (Node `worker_threads.Worker` or a Web `Worker`). */
export interface PlatformWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
  /** Called once if the worker fails to start or throws. */
  onError(listener: (error: unknown) => void): void;
  /** Resolves when the thread has ended (Node); resolves on terminate() in browsers. */
  readonly exited: Promise<void>;
}

interface NodeProcessLike {
  getBuiltinModule?: (id: string) => unknown;
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
}

interface NodeWorkerLike {
  postMessage(message: unknown): void;
  terminate(): Promise<number>;
  unref(): void;
  on(event: 'error' | 'exit', listener: (value: unknown) => void): void;
}

function nodeProcess(): NodeProcessLike | undefined {
  const p = (globalThis as { process?: NodeProcessLike }).process;
  return p?.versions?.node !== undefined ? p : undefined;
}

function nodeBuiltin<T>(id: string): T | undefined {
  try {
    return nodeProcess()?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/** The smallest module using a SIMD instruction: `(func (result v128) (v128.const i32x4 0 0 0 0))`. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

let simdSupport: boolean | undefined;

/** Whether WebAssembly with the SIMD128 proposal is available (`WebAssembly.validate` of a tiny module). */
export function wasmSimdSupported(): boolean {
  if (simdSupport === undefined) {
    try {
      simdSupport = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
    } catch {
      simdSupport = false;
    }
  }
  return simdSupport;
}

/**
 * The smallest module using a relaxed-SIMD instruction:
 * `(func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0)))`.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...[0, 1, 2].flatMap(() => [253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  253, 133, 2, 11,
]);

let relaxedSupport: boolean | undefined;

/**
 * Whether WebAssembly relaxed SIMD is available: on by default in Chrome and Edge ≥ 114
 * and Node ≥ 22; Node 20 needs `--experimental-wasm-relaxed-simd`.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedSupport === undefined) {
    try {
      relaxedSupport = wasmSimdSupported() && WebAssembly.validate(RELAXED_SIMD_PROBE);
    } catch {
      relaxedSupport = false;
    }
  }
  return relaxedSupport;
}

/**
 * Whether shared WebAssembly memory can be created and handed to workers: Node, or a
 * cross-origin-isolated page (COOP + COEP headers) or worker.
 */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (isolated === false) return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** Whether some worker implementation exists here (Node worker_threads or Web Workers). */
export function workersSupported(): boolean {
  if (nodeProcess()) return nodeBuiltin<{ Worker?: unknown }>('node:worker_threads')?.Worker !== undefined;
  return typeof (globalThis as { Worker?: unknown }).Worker === 'function' && typeof URL.createObjectURL === 'function';
}

/** Cores available to this process: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers, else 1. */
export function availableCores(): number {
  const node = nodeProcess();
  if (node) {
    // Like OMP_NUM_THREADS: lets a user leave cores to other jobs without code changes
    // (`CELLSTATE_CPU_THREADS=1 pnpm translate train ...`).
    const fromEnv = node.env?.CELLSTATE_CPU_THREADS;
    if (fromEnv !== undefined && fromEnv !== '') {
      const n = Number(fromEnv);
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`CELLSTATE_CPU_THREADS must be a positive integer, got ${JSON.stringify(fromEnv)}`);
      return n;
    }
    const os = nodeBuiltin<{ availableParallelism?: () => number; cpus?: () => unknown[] }>('node:os');
    const n = os?.availableParallelism?.() ?? os?.cpus?.().length ?? 1;
    return Math.max(1, n);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}

/**
 * Starts a worker running `source` (a classic script that receives its setup through one
 * message). Node: `worker_threads` with `eval`, unref'd so an undisposed pool never keeps
 * the process alive. Browser: a Web Worker from a Blob URL.
 */
export function startWorker(source: string): PlatformWorker {
  if (nodeProcess()) {
    const wt = nodeBuiltin<{ Worker: new (src: string, options: { eval: boolean; name?: string }) => NodeWorkerLike }>('node:worker_threads');
    if (!wt?.Worker) throw new Error('worker_threads is not available');
    const w = new wt.Worker(`const __node = true;\n${source}`, { eval: true, name: 'cellstate-cpu' });
    w.unref();
    const exited = new Promise<void>((resolve) => w.on('exit', () => resolve()));
    return {
      postMessage: (m) => w.postMessage(m),
      terminate: () => w.terminate(),
      onError: (listener) => w.on('error', listener),
      exited,
    };
  }
  const WebWorker = (globalThis as { Worker?: new (url: string, options?: { name?: string }) => Worker }).Worker;
  if (!WebWorker) throw new Error('Web Workers are not available');
  const url = URL.createObjectURL(new Blob([`const __node = false;\n${source}`], { type: 'text/javascript' }));
  const w = new WebWorker(url, { name: 'cellstate-cpu' });
  URL.revokeObjectURL(url);
  let ended: () => void = () => {};
  const exited = new Promise<void>((resolve) => (ended = resolve));
  return {
    postMessage: (m) => w.postMessage(m),
    terminate: () => {
      w.terminate();
      ended();
    },
    onError: (listener) => w.addEventListener('error', listener),
    exited,
  };
}

let mainCanWait: boolean | undefined;

/** Whether this thread may block in `Atomics.wait` (not a browser's main thread). */
export function canBlock(probe: Int32Array): boolean {
  if (mainCanWait === undefined) {
    try {
      Atomics.wait(probe, 0, probe[0]! + 1, 0); // value differs: returns at once where waiting is allowed
      mainCanWait = true;
    } catch {
      mainCanWait = false;
    }
  }
  return mainCanWait;
}
