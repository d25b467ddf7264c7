import '@cellstate/backend-cpu';
import { BackendUnavailableError, importBackend, listBackends, ready, type Backend } from '@cellstate/tensor';

export type BackendName = 'cpu' | 'webgpu';

// A variable specifier (with @vite-ignore) leaves the import to run time: bundlers and
// Vite do not follow it, so Dawn is only ever loaded here, when asked for.
const WEBGPU_NODE = '@cellstate/backend-webgpu/node';

/**
 * Selects the compute backend. `cpu` is always there; `webgpu` is loaded on demand from
 * `@cellstate/backend-webgpu/node` (Dawn) and, when that package or a GPU adapter is
 * missing, a `BackendUnavailableError` lists every backend and why.
 */
export async function selectBackend(name: string): Promise<Backend> {
  if (name !== 'cpu' && name !== 'webgpu') throw new BackendUnavailableError(name, listBackends(), "choose 'cpu' or 'webgpu'");
  if (name === 'webgpu') await importBackend('webgpu', () => import(/* @vite-ignore */ WEBGPU_NODE), { priority: 3 });
  return ready({ prefer: [name] });
}
