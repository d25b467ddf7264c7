/**
 * Backend choice for every command: `--backend cpu|webgpu`. The CPU backend is
 * imported always; `@cellstate/backend-webgpu/node` (Dawn) only when asked for, so the
 * app starts fast and works where the package or a GPU is missing.
 */
import '@cellstate/backend-cpu';
import { BackendUnavailableError, importBackend, listBackends, ready, type Backend } from '@cellstate/tensor';

/** Disposes GPU backends so Node can exit (Dawn keeps the process alive otherwise). */
export { releaseBackends } from '@cellstate/tensor';

export type BackendName = 'cpu' | 'webgpu';

// A variable specifier (with @vite-ignore) leaves the import to run time: bundlers and
// Vite do not follow it, so Dawn is only ever loaded here, when asked for.
const WEBGPU_NODE = '@cellstate/backend-webgpu/node';

/**
 * Selects the backend; throws `BackendUnavailableError` (listing every backend and
 * why it is unavailable) when the requested one cannot start.
 */
export async function selectBackend(name: string | undefined, log?: (line: string) => void): Promise<Backend> {
  if (name !== undefined && name !== 'cpu' && name !== 'webgpu') {
    throw new BackendUnavailableError(name, listBackends(), 'choose cpu or webgpu');
  }
  if (name === 'webgpu') await importBackend('webgpu', () => import(/* @vite-ignore */ WEBGPU_NODE), { priority: 3 });
  const backend = await ready(name ? { prefer: [name] } : {});
  if (log) {
    log(`backend: ${backend.name}`);
    for (const b of listBackends()) log(`  ${b.active ? '*' : ' '} ${b.name} (priority ${b.priority}): ${b.state}${b.reason ? ` - ${b.reason}` : ''}`);
  }
  return backend;
}
