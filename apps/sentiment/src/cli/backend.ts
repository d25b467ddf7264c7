import '@cellstate/backend-cpu';
import { BackendUnavailableError, listBackends, ready, type Backend } from '@cellstate/tensor';

export type BackendName = 'cpu' | 'webgpu';

/**
 * Selects the compute backend. `cpu` is always there; `webgpu` is loaded on demand from
 * `@cellstate/backend-webgpu/node` (Dawn) and, when that package or a GPU adapter is
 * missing, a `BackendUnavailableError` says why.
 */
export async function selectBackend(name: string): Promise<Backend> {
  if (name !== 'cpu' && name !== 'webgpu') throw new BackendUnavailableError(name, listBackends(), "choose 'cpu' or 'webgpu'");
  if (name === 'webgpu') {
    const specifier = '@cellstate/backend-webgpu/node';
    try {
      await import(/* @vite-ignore */ specifier);
    } catch (cause) {
      throw new BackendUnavailableError('webgpu', listBackends(), `could not load ${specifier}: ${(cause as Error).message.split('\n')[0]}`);
    }
  }
  return ready({ prefer: [name] });
}
