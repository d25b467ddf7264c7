/**
 * Backend choice for every command: `--backend cpu|webgpu`. The CPU backend is
 * imported always; `@cellstate/backend-webgpu/node` (Dawn) only when asked for, so the
 * app starts fast and works where the package or a GPU is missing.
 */
import '@cellstate/backend-cpu';
import { BackendUnavailableError, listBackends, markUnavailable, ready, registerBackend, removeBackend, type Backend } from '@cellstate/tensor';

export type BackendName = 'cpu' | 'webgpu';

/**
 * Imports the WebGPU backend's Node entry (Dawn) if it is installed; when it cannot be
 * loaded, registers a placeholder whose reason says why, so `ready()` fails with
 * `BackendUnavailableError` listing it.
 */
async function importWebGpu(): Promise<void> {
  const name = '@cellstate/backend-webgpu/node';
  try {
    await import(/* @vite-ignore */ name);
  } catch (cause) {
    if (!listBackends().some((b) => b.name === 'webgpu')) {
      registerBackend('webgpu', () => null, { priority: 3, autoSelect: false });
      markUnavailable('webgpu', `package ${name} could not be loaded: ${(cause as Error).message.split('\n')[0]}`);
    }
  }
}

/** Disposes GPU backends so Node can exit (Dawn keeps the process alive otherwise). */
export function releaseBackends(): void {
  for (const b of listBackends()) if (b.name !== 'cpu' && b.state === 'ready') removeBackend(b.name);
}

/**
 * Selects the backend; throws `BackendUnavailableError` (listing every backend and
 * why it is unavailable) when the requested one cannot start.
 */
export async function selectBackend(name: string | undefined, log?: (line: string) => void): Promise<Backend> {
  if (name !== undefined && name !== 'cpu' && name !== 'webgpu') {
    throw new BackendUnavailableError(name, listBackends(), 'choose cpu or webgpu');
  }
  if (name === 'webgpu') await importWebGpu();
  const backend = await ready(name ? { prefer: [name] } : {});
  if (log) {
    log(`backend: ${backend.name}`);
    for (const b of listBackends()) log(`  ${b.active ? '*' : ' '} ${b.name} (priority ${b.priority}): ${b.state}${b.reason ? ` - ${b.reason}` : ''}`);
  }
  return backend;
}
