import { BACKEND_CONTRACT_VERSION, type Backend } from './backend/backend.js';
import { BackendUnavailableError, type BackendStatus } from './errors.js';
import { BACKEND_PACKAGES, loadFailureReason } from './backend-packages.js';

/** Creates a backend; `null` means "not available here", a throw means "available but broken". */
export type BackendFactory = () => Backend | null | Promise<Backend | null>;

export interface RegisterOptions {
  /** Higher is tried first by `ready()`. cpu = 1, webgpu = 3. */
  priority?: number;
  /**
   * Take part in automatic selection. Software implementations of hardware APIs
   * register with `false`: they come up only when asked for by name.
   */
  autoSelect?: boolean;
}

interface Entry {
  name: string;
  factory: BackendFactory;
  priority: number;
  autoSelect: boolean;
  state: BackendStatus['state'];
  reason?: string;
  backend?: Backend;
  pending?: Promise<Backend | null>;
}

interface RegistryState {
  entries: Map<string, Entry>;
  active: Backend | null;
}

// On globalThis so two copies of @cellstate/tensor in one bundle share one registry.
const KEY = Symbol.for('cellstate.registry');
function state(): RegistryState {
  const g = globalThis as unknown as Record<symbol, RegistryState | undefined>;
  let s = g[KEY];
  if (!s) {
    s = { entries: new Map(), active: null };
    g[KEY] = s;
  }
  return s;
}

/**
 * Registers a backend under `name`. Backend packages call this when their entry is
 * imported; re-registering a name replaces the entry (and disposes its old instance).
 *
 * @example
 * ```ts
 * registerBackend('cpu', () => createCpuBackend(), { priority: 1 });
 * ```
 */
export function registerBackend(name: string, factory: BackendFactory, options: RegisterOptions = {}): void {
  const s = state();
  const old = s.entries.get(name);
  if (old?.backend) {
    if (s.active === old.backend) s.active = null;
    old.backend.dispose();
  }
  s.entries.set(name, {
    name,
    factory,
    priority: options.priority ?? 0,
    autoSelect: options.autoSelect ?? true,
    state: 'registered',
  });
}

/** Removes a backend (disposing its instance). Mostly for tests. */
export function removeBackend(name: string): void {
  const s = state();
  const e = s.entries.get(name);
  if (!e) return;
  if (e.backend) {
    if (s.active === e.backend) s.active = null;
    e.backend.dispose();
  }
  s.entries.delete(name);
}

async function initialise(entry: Entry): Promise<Backend | null> {
  if (entry.backend) return entry.backend;
  if (entry.state === 'unavailable' || entry.state === 'failed') return null;
  entry.pending ??= (async () => {
    try {
      const backend = await entry.factory();
      if (!backend) {
        entry.state = 'unavailable';
        entry.reason ??= 'factory returned null (not available in this environment)';
        return null;
      }
      if (backend.contractVersion !== BACKEND_CONTRACT_VERSION) {
        entry.state = 'failed';
        entry.reason = `speaks contract version ${String(backend.contractVersion)}, this @cellstate/tensor speaks ${BACKEND_CONTRACT_VERSION}`;
        backend.dispose();
        return null;
      }
      entry.backend = backend;
      entry.state = 'ready';
      return backend;
    } catch (error) {
      entry.state = 'failed';
      entry.reason = error instanceof Error ? error.message : String(error);
      return null;
    } finally {
      entry.pending = undefined;
    }
  })();
  return entry.pending;
}

/** Lets a factory explain why it returned null: `markUnavailable('webgpu', 'no adapter')`. */
export function markUnavailable(name: string, reason: string): void {
  const e = state().entries.get(name);
  if (e) e.reason = reason;
}

export interface ReadyOptions {
  /** Names to try, in order, before (and instead of) automatic selection. */
  prefer?: readonly string[];
}

/**
 * Initialises backends and selects one: the `prefer` list in order when given
 * (throwing if none comes up), otherwise registered backends by descending priority,
 * skipping those registered with `autoSelect: false`.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * const backend = await ready();
 * console.log(backend.name); // 'cpu'
 * ```
 */
export async function ready(options: ReadyOptions = {}): Promise<Backend> {
  const s = state();
  if (options.prefer && options.prefer.length > 0) {
    for (const name of options.prefer) {
      const entry = s.entries.get(name);
      if (!entry) continue;
      const backend = await initialise(entry);
      if (backend) {
        s.active = backend;
        return backend;
      }
    }
    throw new BackendUnavailableError(options.prefer.join(' | '), listBackends());
  }
  if (s.active) return s.active;
  const ordered = [...s.entries.values()].filter((e) => e.autoSelect).sort((a, b) => b.priority - a.priority);
  for (const entry of ordered) {
    const backend = await initialise(entry);
    // A software implementation of a hardware API (SwiftShader's WebGPU) works but is
    // slower than the CPU backend: usable by name, never picked automatically.
    if (backend && backend.capabilities.isSoftware) {
      entry.reason = 'software adapter: not selected automatically; ask for it by name';
      continue;
    }
    if (backend) {
      s.active = backend;
      return backend;
    }
  }
  throw new BackendUnavailableError(undefined, listBackends());
}

/** Selects the backend `name`, initialising it if needed; throws `BackendUnavailableError` with the table. */
export async function setBackend(name: string): Promise<Backend> {
  return ready({ prefer: [name] });
}

/**
 * The active backend. Synchronous: call `await ready()` once first. If nothing is
 * active yet but a backend is already initialised, that one is selected.
 */
export function getBackend(): Backend {
  const s = state();
  if (s.active) return s.active;
  const initialised = [...s.entries.values()]
    .filter((e) => e.backend && e.autoSelect)
    .sort((a, b) => b.priority - a.priority)[0];
  if (initialised?.backend) {
    s.active = initialised.backend;
    return s.active;
  }
  throw new BackendUnavailableError(undefined, listBackends(), 'no backend is active yet: call await ready() first');
}

/** The initialised instance of backend `name` (undefined when it has not come up). */
export function findBackend(name: string): Backend | undefined {
  return state().entries.get(name)?.backend;
}

/** Initialises backend `name` without selecting it. */
export async function initBackend(name: string): Promise<Backend> {
  const entry = state().entries.get(name);
  const backend = entry ? await initialise(entry) : null;
  if (!backend) throw new BackendUnavailableError(name, listBackends());
  return backend;
}

/** Every registered backend, its priority and state, and why it is unavailable if it is. */
export function listBackends(): BackendStatus[] {
  const s = state();
  return [...s.entries.values()]
    .sort((a, b) => b.priority - a.priority)
    .map((e) => ({
      name: e.name,
      priority: e.priority,
      state: e.state,
      ...(e.reason ? { reason: e.reason } : {}),
      active: !!e.backend && e.backend === s.active,
    }));
}

export interface ImportBackendOptions {
  /**
   * Priority of the placeholder registered when loading fails (see `RegisterOptions`).
   * Default: the priority the package registers with for cellstate's own backends
   * (cpu 1, webgpu 3), else 0.
   */
  priority?: number;
}

/**
 * Loads a backend package on demand (its entry registers the backend when imported)
 * and returns whether loading succeeded. When it fails and no backend `name` is
 * registered, registers an unavailable placeholder `name` whose reason is the error's
 * first line (plus the install command when it says one of cellstate's backend packages
 * is missing), so `ready({ prefer: [name] })` throws a `BackendUnavailableError` saying
 * why instead of just "not registered". The placeholder never auto-selects; a later
 * successful import replaces it. A `true` result means only that `load` resolved: it
 * does not check that the package registered `name`.
 *
 * @example
 * ```ts
 * // Pass the import as a function so the bundler or Node resolves it in the caller.
 * await importBackend('webgpu', () => import('@cellstate/backend-webgpu/node'));
 * await ready({ prefer: ['webgpu'] }); // BackendUnavailableError: ...webgpu (priority 3): unavailable - could not be loaded: ...
 * ```
 */
export async function importBackend(name: string, load: () => Promise<unknown>, options: ImportBackendOptions = {}): Promise<boolean> {
  try {
    await load();
    return true;
  } catch (cause) {
    // An existing entry (a real backend, or the placeholder from an earlier failure)
    // says more than this error, so it is left alone.
    if (!state().entries.has(name)) {
      registerBackend(name, () => null, { priority: options.priority ?? BACKEND_PACKAGES[name]?.priority, autoSelect: false });
      markUnavailable(name, loadFailureReason(name, cause));
    }
    return false;
  }
}

export interface ReleaseBackendsOptions {
  /** Names to leave alone. Default `['cpu']`, which holds nothing that keeps a process alive. */
  keep?: readonly string[];
}

/**
 * Disposes and removes every initialised (`ready`) backend not in `keep`, so Node can
 * exit: an open GPU device (Dawn's) keeps the process alive. Call it when done
 * computing. A removed backend that was active is deselected (the next `ready()` or
 * `getBackend()` picks again among what is left), and its entry is gone: importing its
 * package again does not bring it back, as modules run once per process.
 *
 * @example
 * ```ts
 * await importBackend('webgpu', () => import('@cellstate/backend-webgpu/node'));
 * await ready({ prefer: ['webgpu'] });
 * // ... train ...
 * releaseBackends(); // webgpu disposed and removed, cpu kept
 * ```
 */
export function releaseBackends(options: ReleaseBackendsOptions = {}): void {
  const keep = options.keep ?? ['cpu'];
  for (const e of [...state().entries.values()]) {
    if (e.state === 'ready' && !keep.includes(e.name)) removeBackend(e.name);
  }
}
