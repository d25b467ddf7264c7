import '@cellstate/backend-cpu';
import { chooseBackend, type Backend, type BackendLoaders } from '@cellstate/tensor';

export type BackendName = 'cpu' | 'webgpu';

// A variable specifier (with @vite-ignore) leaves the import to run time: bundlers and
// Vite do not follow it, so Dawn is only ever loaded here, when asked for.
const WEBGPU_NODE = '@cellstate/backend-webgpu/node';
const LOADERS: BackendLoaders = { cpu: () => import('@cellstate/backend-cpu'), webgpu: () => import(/* @vite-ignore */ WEBGPU_NODE) };

/**
 * Selects the compute backend. `cpu` is always there; `webgpu` is loaded on demand from
 * `@cellstate/backend-webgpu/node` (Dawn) and, when that package or a GPU adapter is
 * missing, a `BackendUnavailableError` lists every backend and why. `threads` (the
 * `--threads` option) sets the CPU backend's worker threads.
 */
export async function selectBackend(name: string, threads?: number): Promise<Backend> {
  // The CPU backend is created on first use and reads its thread count from this variable
  // (packages/backend-cpu availableCores), so setting it here, before ready(), is enough.
  if (threads !== undefined) process.env.CELLSTATE_CPU_THREADS = String(threads);
  return chooseBackend(name, LOADERS);
}
