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
  /** Extra `node` flags its process needs (V8 features Node 20 keeps behind flags). */
  nodeArgs?: readonly string[];
  /** The backend (a promise for backends whose device is acquired asynchronously: WebGPU). */
  create(): Backend | Promise<Backend>;
}

/**
 * The WebGPU backend on Dawn (`@cellstate/backend-webgpu/node`), imported only when this
 * system runs. A software adapter (SwiftShader) counts as none unless
 * CELLSTATE_BENCH_WEBGPU_SOFTWARE=1: its figures measure a CPU emulation of a GPU.
 * Throws (the row becomes an error with this reason) rather than falling back to the CPU.
 */
async function createWebGpu(): Promise<Backend> {
  const allowSoftware = process.env.CELLSTATE_BENCH_WEBGPU_SOFTWARE === '1';
  const { createWebGpuBackend } = await import('@cellstate/backend-webgpu/node');
  const backend = await createWebGpuBackend({ allowSoftware });
  if (!backend) {
    throw new Error(
      allowSoftware
        ? 'Dawn found no WebGPU adapter (Linux: the Vulkan loader libvulkan1 and a driver; VK_DRIVER_FILES / VK_ICD_FILENAMES)'
        : 'Dawn found no hardware WebGPU adapter (CELLSTATE_BENCH_WEBGPU_SOFTWARE=1 accepts a software one such as SwiftShader)',
    );
  }
  return backend;
}

/**
 * WebAssembly relaxed SIMD is on by default from Node 22 (and Chrome 114); Node 20 needs
 * this flag, which NODE_OPTIONS refuses, so it goes on the runner's command line.
 */
const RELAXED_SIMD_ARGS = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];

export const SYSTEMS: Record<string, System> = {
  'cellstate-cpu-plain': {
    name: 'cellstate-cpu-plain',
    what: 'CPU backend, plain TypeScript kernels only (`simd: false`), fused LSTM/cross-entropy/Adam, 1 thread',
    create: () => createCpuBackend({ simd: false, threads: 1 }),
  },
  'cellstate-cpu-wasm-1t': {
    name: 'cellstate-cpu-wasm-1t',
    what: 'CPU backend, WebAssembly SIMD128 kernels (packed gemm, fused LSTM forward/backward), relaxed SIMD off, 1 thread',
    create: () => createCpuBackend({ threads: 1, relaxedSimd: false }),
  },
  'cellstate-cpu-wasm': {
    name: 'cellstate-cpu-wasm',
    what: 'CPU backend, WebAssembly SIMD128 kernels on all available cores (worker threads, shared memory), relaxed SIMD off',
    threads: availableParallelism(),
    create: () => createCpuBackend({ relaxedSimd: false }),
  },
  'cellstate-cpu-relaxed-1t': {
    name: 'cellstate-cpu-relaxed-1t',
    what: 'CPU backend, the relaxed-SIMD build (f32x4.relaxed_madd: FMA in the gemm and the fused LSTM), 1 thread; Node 20 runs it with --experimental-wasm-relaxed-simd',
    nodeArgs: RELAXED_SIMD_ARGS,
    create: () => createCpuBackend({ threads: 1 }),
  },
  'cellstate-cpu-relaxed': {
    name: 'cellstate-cpu-relaxed',
    what: 'CPU backend defaults with relaxed SIMD available (Node ≥ 22, or Node 20 with --experimental-wasm-relaxed-simd): FMA kernels on all available cores',
    threads: availableParallelism(),
    nodeArgs: RELAXED_SIMD_ARGS,
    create: () => createCpuBackend(),
  },
  'cellstate-cpu-composed': {
    name: 'cellstate-cpu-composed',
    what: 'plain TypeScript with fused kernels switched off: the LSTM runs as its reference composition of primitives, differentiated by autograd (not run by default)',
    byDefault: false,
    create: () => createCpuBackend({ simd: false, threads: 1, fused: false }),
  },
  'cellstate-webgpu': {
    name: 'cellstate-webgpu',
    what: 'WebGPU backend in Node on Dawn (the `webgpu` package): WGSL kernels, fused LSTM/cross-entropy/Adam; a hardware adapter only unless CELLSTATE_BENCH_WEBGPU_SOFTWARE=1 (not run by default)',
    byDefault: false,
    create: createWebGpu,
  },
};
