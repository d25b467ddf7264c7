// `--backend cpu|webgpu` for the examples. The CPU backend is always imported; the
// WebGPU backend's Node entry (Dawn) only when asked for, so the examples start fast
// and a missing GPU is an error that names the problem, not a crash at import.
import '@cellstate/backend-cpu';
import { listBackends, markUnavailable, ready, registerBackend, removeBackend, type Backend } from '@cellstate/tensor';
import { InvalidArgumentError } from 'commander';

export const BACKENDS = ['cpu', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** commander argument parser for `--backend`. */
export function backendName(value: string): BackendName {
  if (!(BACKENDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${BACKENDS.join(', ')}`);
  return value as BackendName;
}

/**
 * Starts the named backend (default: the best that starts, i.e. the CPU here) and makes
 * it current. Throws `BackendUnavailableError` (from `ready`) listing every backend and why.
 */
export async function selectBackend(name?: BackendName): Promise<Backend> {
  if (name === 'webgpu') {
    const entry = '@cellstate/backend-webgpu/node';
    try {
      await import(/* @vite-ignore */ entry);
    } catch (cause) {
      if (!listBackends().some((b) => b.name === 'webgpu')) {
        registerBackend('webgpu', () => null, { priority: 3, autoSelect: false });
        markUnavailable('webgpu', `package ${entry} could not be loaded: ${(cause as Error).message.split('\n')[0]}`);
      }
    }
  }
  return ready(name ? { prefer: [name] } : {});
}

/** Lets Node exit: Dawn keeps the process alive while a GPU device is open. */
export function releaseBackends(): void {
  for (const b of listBackends()) if (b.name !== 'cpu' && b.state === 'ready') removeBackend(b.name);
}
