import type { Backend } from './backend/backend.js';
import { BackendUnavailableError } from './errors.js';
import { importBackend, listBackends, ready } from './registry.js';

/**
 * How to load each backend package on offer, by the name it registers:
 * `{ webgpu: () => import('@cellstate/backend-webgpu') }`. The imports are written by
 * the caller so that its bundler (or Node, from its own dependencies) resolves them.
 */
export type BackendLoaders = Readonly<Record<string, () => Promise<unknown>>>;

function quoted(names: readonly string[]): string {
  const q = names.map((n) => `'${n}'`);
  return q.length > 1 ? `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}` : (q[0] ?? 'nothing');
}

/**
 * Loads and selects a backend. `name` is one of `loaders`' keys: that package is
 * imported (it registers its backend with its own priority) and the backend started
 * and made current. `'auto'`: every loader runs, then the best backend that starts is
 * chosen by priority, as `ready()` does. Only the chosen packages are imported, so an
 * app that offers WebGPU loads it (Dawn, in Node) only when asked for.
 *
 * Throws `BackendUnavailableError`: for a name that is neither a key nor `'auto'`
 * (naming the choices), or when the backend cannot start, with every backend's state
 * and why (a package that is not installed is named with its install command).
 * Uses no Node API: the same call works in a browser.
 *
 * @example
 * ```ts
 * const backend = await chooseBackend(options.backend ?? 'cpu', {
 *   cpu: () => import('@cellstate/backend-cpu'),
 *   webgpu: () => import('@cellstate/backend-webgpu/node'),
 * });
 * ```
 */
export async function chooseBackend(name: string, loaders: BackendLoaders): Promise<Backend> {
  const names = Object.keys(loaders);
  if (name !== 'auto' && !names.includes(name)) throw new BackendUnavailableError(name, listBackends(), `choose ${quoted(names)}`);
  for (const n of name === 'auto' ? names : [name]) await importBackend(n, loaders[n]!);
  return ready(name === 'auto' ? {} : { prefer: [name] });
}
