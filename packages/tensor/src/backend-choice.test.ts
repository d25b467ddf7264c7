import { afterEach, describe, expect, it } from 'vitest';
import { chooseBackend } from './backend-choice.js';
import { importBackend, listBackends, registerBackend, removeBackend, ready } from './registry.js';
import { BackendUnavailableError } from './errors.js';
import { createReferenceBackend } from './testing/reference-backend.js';
import type { Backend } from './backend/backend.js';

// Fake backend packages: "importing" one registers its backend, as a real entry does.
const registered: string[] = [];
let imports: string[] = [];
function fakePackage(name: string, priority: number, factory: () => Backend | null = () => hardware(name)) {
  return async () => {
    imports.push(name);
    registered.push(name);
    registerBackend(name, factory, { priority });
  };
}
function hardware(name: string): Backend {
  const b = createReferenceBackend();
  Object.defineProperty(b, 'name', { value: name });
  Object.defineProperty(b, 'capabilities', { value: { ...b.capabilities, isSoftware: false }, configurable: true });
  return b;
}
const notInstalled = (pkg: string) => () => Promise.reject(new Error(`Cannot find package '${pkg}' imported from /app/cli.js\n    at resolve (node:internal)`));

afterEach(() => {
  for (const n of registered.splice(0)) removeBackend(n);
  imports = [];
});

describe('chooseBackend', () => {
  it('imports only the named package and selects its backend', async () => {
    const loaders = { 'fake-low': fakePackage('fake-low', 1), 'fake-high': fakePackage('fake-high', 5) };
    const backend = await chooseBackend('fake-low', loaders);
    expect(backend.name).toBe('fake-low');
    expect(imports).toEqual(['fake-low']);
    expect((await ready()).name).toBe('fake-low');
  });

  it("'auto' imports every package and selects by the priorities the packages register with", async () => {
    const loaders = { 'fake-low': fakePackage('fake-low', 1), 'fake-high': fakePackage('fake-high', 5) };
    expect((await chooseBackend('auto', loaders)).name).toBe('fake-high');
    expect(imports).toEqual(['fake-low', 'fake-high']);
  });

  it("'auto' falls back to the next backend when the best one finds no device", async () => {
    const loaders = { 'fake-low': fakePackage('fake-low', 1), 'fake-high': fakePackage('fake-high', 5, () => null) };
    expect((await chooseBackend('auto', loaders)).name).toBe('fake-low');
  });

  it('an unknown name throws BackendUnavailableError naming the choices, and imports nothing', async () => {
    const loaders = { 'fake-low': fakePackage('fake-low', 1), 'fake-high': fakePackage('fake-high', 5) };
    const error = await chooseBackend('tpu', loaders).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain("backend 'tpu' is not available (choose 'fake-low' or 'fake-high')");
    expect(imports).toEqual([]);
  });

  it('a package that is not installed: BackendUnavailableError with the install command, at the priority the package would have', async () => {
    registered.push('webgpu');
    const error = await chooseBackend('webgpu', { webgpu: notInstalled('@cellstate/backend-webgpu') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain(
      "webgpu (priority 3): unavailable - could not be loaded: Cannot find package '@cellstate/backend-webgpu' imported from /app/cli.js (install it: npm i @cellstate/backend-webgpu)",
    );
    expect((error as Error).message).not.toContain('node:internal');
  });
});

describe('importBackend for cellstate’s own backend packages', () => {
  it('the placeholder gets the package’s own priority unless one is given', async () => {
    registered.push('webgpu');
    expect(await importBackend('webgpu', notInstalled('@cellstate/backend-webgpu'))).toBe(false);
    expect(listBackends().find((b) => b.name === 'webgpu')!.priority).toBe(3);
    removeBackend('webgpu');
    expect(await importBackend('webgpu', notInstalled('@cellstate/backend-webgpu'), { priority: 7 })).toBe(false);
    expect(listBackends().find((b) => b.name === 'webgpu')).toMatchObject({
      priority: 7,
      reason: "could not be loaded: Cannot find package '@cellstate/backend-webgpu' imported from /app/cli.js (install it: npm i @cellstate/backend-webgpu)",
    });
  });

  it('a failure that is not a missing package gets no install hint', async () => {
    registered.push('webgpu');
    await importBackend('webgpu', () => Promise.reject(new Error('dawn.node: GPU process crashed')));
    expect(listBackends().find((b) => b.name === 'webgpu')!.reason).toBe('could not be loaded: dawn.node: GPU process crashed');
  });
});
