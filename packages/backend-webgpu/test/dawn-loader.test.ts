// The Node entry without Dawn: a missing `webgpu` package is a BackendUnavailableError
// with the install command, not Node's ERR_MODULE_NOT_FOUND.
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, CellstateError } from '@cellstate/tensor';
import { loadDawn, WEBGPU_INSTALL_HINT } from '../src/dawn-loader.js';

describe('loadDawn', () => {
  it('turns a package that is not installed into BackendUnavailableError naming the install command', async () => {
    const name = 'webgpu-not-installed-anywhere';
    const error = await loadDawn(() => import(/* @vite-ignore */ name), name).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(CellstateError.isInstance(error)).toBe(true);
    expect((error as BackendUnavailableError).requested).toBe('webgpu');
    expect((error as Error).message).toContain(`'webgpu-not-installed-anywhere', which is not installed: ${WEBGPU_INSTALL_HINT}`);
  });

  it('loads the installed package', async () => {
    const dawn = await loadDawn();
    expect(typeof dawn.create).toBe('function');
  });

  it('rethrows other failures unchanged', async () => {
    // A broken binary is not "the package is missing": its own error says more.
    const broken = new Error("dawn.node: invalid ELF header");
    await expect(loadDawn(() => Promise.reject(broken))).rejects.toBe(broken);
  });
});
