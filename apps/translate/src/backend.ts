/**
 * Backend choice for every command: `--backend cpu|webgpu`. The CPU backend ships
 * with the app; `@cellstate/backend-webgpu` is imported only when asked for, so the
 * app works without it.
 */
import '@cellstate/backend-cpu';
import { BackendUnavailableError, listBackends, markUnavailable, ready, registerBackend, type Backend } from '@cellstate/tensor';

export type BackendName = 'cpu' | 'webgpu';

/** Imports the WebGPU backend package if it is installed; records why not otherwise. */
async function importWebGpu(): Promise<void> {
  const name = '@cellstate/backend-webgpu';
  try {
    await import(/* @vite-ignore */ name);
  } catch (cause) {
    if (!listBackends().some((b) => b.name === 'webgpu')) {
      registerBackend('webgpu', () => null, { priority: 3, autoSelect: false });
      markUnavailable('webgpu', `package ${name} could not be loaded: ${(cause as Error).message.split('\n')[0]}`);
    }
  }
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
