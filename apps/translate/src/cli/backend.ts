/**
 * Backend choice for every command: `--backend cpu|webgpu`. The CPU backend is
 * imported always; `@cellstate/backend-webgpu/node` (Dawn) only when asked for, so the
 * app starts fast and works where the package or a GPU is missing.
 */
import '@cellstate/backend-cpu';
import { chooseBackend, listBackends, type Backend, type BackendLoaders } from '@cellstate/tensor';

/** Disposes GPU backends so Node can exit (Dawn keeps the process alive otherwise). */
export { releaseBackends } from '@cellstate/tensor';

export type BackendName = 'cpu' | 'webgpu';

// A variable specifier (with @vite-ignore) leaves the import to run time: bundlers and
// Vite do not follow it, so Dawn is only ever loaded here, when asked for.
const WEBGPU_NODE = '@cellstate/backend-webgpu/node';
const LOADERS: BackendLoaders = { cpu: () => import('@cellstate/backend-cpu'), webgpu: () => import(/* @vite-ignore */ WEBGPU_NODE) };

/**
 * Selects the backend; throws `BackendUnavailableError` (listing every backend and
 * why it is unavailable) when the requested one cannot start.
 */
export async function selectBackend(name: string | undefined, log?: (line: string) => void): Promise<Backend> {
  const backend = await chooseBackend(name ?? 'cpu', LOADERS);
  if (log) {
    log(`backend: ${backend.name}`);
    for (const b of listBackends()) log(`  ${b.active ? '*' : ' '} ${b.name} (priority ${b.priority}): ${b.state}${b.reason ? ` - ${b.reason}` : ''}`);
  }
  return backend;
}
