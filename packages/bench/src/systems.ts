import { availableParallelism } from 'node:os';
import { createCpuBackend } from '@cellstate/backend-cpu';
import type { Backend } from '@cellstate/tensor';

/** A cellstate configuration the bench can run, created fresh in its own process. */
export interface System {
  name: string;
  what: string;
  /**
   * Threads its kernels use (default 1). Set it for multi-threaded systems: the MM target
   * ("2048³, one thread") only compares systems with threads = 1.
   */
  threads?: number;
  /** Run by `pnpm bench` without `--systems` (default true). */
  byDefault?: boolean;
  create(): Backend;
}

export const SYSTEMS: Record<string, System> = {
  'cellstate-cpu-plain': {
    name: 'cellstate-cpu-plain',
    what: 'CPU backend, plain TypeScript kernels only (`simd: false`), fused LSTM/cross-entropy/Adam, 1 thread',
    create: () => createCpuBackend({ simd: false, threads: 1 }),
  },
  'cellstate-cpu-wasm-1t': {
    name: 'cellstate-cpu-wasm-1t',
    what: 'CPU backend, WebAssembly SIMD128 kernels (packed gemm, fused LSTM forward/backward), 1 thread',
    create: () => createCpuBackend({ threads: 1 }),
  },
  'cellstate-cpu-wasm': {
    name: 'cellstate-cpu-wasm',
    what: 'CPU backend defaults: WebAssembly SIMD128 kernels on all available cores (worker threads, shared memory)',
    threads: availableParallelism(),
    create: () => createCpuBackend(),
  },
  'cellstate-cpu-composed': {
    name: 'cellstate-cpu-composed',
    what: 'plain TypeScript with fused kernels switched off: the LSTM runs as its reference composition of primitives, differentiated by autograd (not run by default)',
    byDefault: false,
    create: () => createCpuBackend({ simd: false, threads: 1, fused: false }),
  },
};
