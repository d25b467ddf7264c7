// `--backend cpu|webgpu` for the examples. The CPU backend is always imported; the
// WebGPU backend's Node entry (Dawn) only when asked for, so the examples start fast
// and a missing GPU is an error that names the problem, not a crash at import.
import '@cellstate/backend-cpu';
import { chooseBackend, type Backend, type BackendLoaders } from '@cellstate/tensor';
import { InvalidArgumentError } from 'commander';

/** Lets Node exit: Dawn keeps the process alive while a GPU device is open. */
export { releaseBackends } from '@cellstate/tensor';

export const BACKENDS = ['cpu', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

// A variable specifier (with @vite-ignore) leaves the import to run time: bundlers and
// Vite do not follow it, so Dawn is only ever loaded here, when asked for.
const WEBGPU_NODE = '@cellstate/backend-webgpu/node';
const LOADERS: BackendLoaders = { cpu: () => import('@cellstate/backend-cpu'), webgpu: () => import(/* @vite-ignore */ WEBGPU_NODE) };

/** commander argument parser for `--backend`. */
export function backendName(value: string): BackendName {
  if (!(BACKENDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${BACKENDS.join(', ')}`);
  return value as BackendName;
}

/**
 * Starts the named backend (default: the CPU) and makes it current. Throws
 * `BackendUnavailableError` listing every backend and why.
 */
export async function selectBackend(name?: BackendName): Promise<Backend> {
  return chooseBackend(name ?? 'cpu', LOADERS);
}
