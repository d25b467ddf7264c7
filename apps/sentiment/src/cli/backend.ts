import '@cellstate/backend-cpu';
import { BackendUnavailableError, importBackend, listBackends, ready, type Backend } from '@cellstate/tensor';

export type BackendName = 'cpu' | 'webgpu';

// A variable specifier (with @vite-ignore) leaves the import to run time: bundlers and
// Vite do not follow it, so Dawn is only ever loaded here, when asked for.
const WEBGPU_NODE = '@cellstate/backend-webgpu/node';

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
  if (name !== 'cpu' && name !== 'webgpu') throw new BackendUnavailableError(name, listBackends(), "choose 'cpu' or 'webgpu'");
  if (name === 'webgpu') await importBackend('webgpu', () => import(/* @vite-ignore */ WEBGPU_NODE), { priority: 3 });
  return ready({ prefer: [name] });
}
