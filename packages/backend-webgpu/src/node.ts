/**
 * @cellstate/backend-webgpu/node: the WebGPU backend in Node, on Dawn (the `webgpu`
 * npm package, an optional peer dependency: `npm i webgpu`). Importing it registers
 * 'webgpu' (priority 3), replacing the browser entry's registration; the API is the
 * browser entry's.
 *
 * Dawn keeps Node alive while the object returned by its `create()` is referenced,
 * so each backend holds its own instance and `dispose()` drops it.
 * Without the `webgpu` package the import throws `BackendUnavailableError` naming the
 * install command ({@link WEBGPU_INSTALL_HINT}).
 * Linux without a GPU: install the Vulkan loader (`libvulkan1`) and point
 * `VK_ICD_FILENAMES` at a SwiftShader ICD (Debian's chromium ships
 * /usr/lib/chromium/vk_swiftshader_icd.json), then pass `allowSoftware: true`.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend } from '@cellstate/backend-webgpu/node';
 * const gpu = await createWebGpuBackend({ allowSoftware: true });
 * // ... use it, then:
 * gpu?.dispose(); // lets Node exit
 * ```
 */
import { markUnavailable, registerBackend } from '@cellstate/tensor';
import { tryCreateWebGpuBackend, type CreateResult } from './create-backend.js';
import { loadDawn } from './dawn-loader.js';
import type { WebGpuBackend, WebGpuBackendOptions } from './webgpu-backend.js';

export { WebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.js';
export { DeviceLostError, WgslCompileError, GpuError } from './errors.js';
export { acquireDevice, isSoftwareAdapter, type AcquireOptions, type AcquiredDevice, type AcquireResult } from './acquire-device.js';
export { WEBGPU_INSTALL_HINT } from './dawn-loader.js';

// Without the `webgpu` package, importing this entry throws BackendUnavailableError
// (with the install command) rather than Node's ERR_MODULE_NOT_FOUND; importBackend()
// records that message as the reason 'webgpu' is unavailable.
const { create } = await loadDawn();

export interface NodeWebGpuBackendOptions extends WebGpuBackendOptions {
  /** Flags for Dawn's `create()`, e.g. `['backend=vulkan', 'enable-dawn-features=dump_shaders']`. */
  dawnFlags?: string[];
}

async function tryCreate(options: NodeWebGpuBackendOptions): Promise<CreateResult> {
  let instance: GPU | undefined;
  try {
    instance = create(options.dawnFlags ?? []) as GPU;
  } catch (error) {
    return { ok: false, reason: `Dawn (webgpu package) could not start: ${error instanceof Error ? error.message : String(error)}` };
  }
  const result = await tryCreateWebGpuBackend(instance, options, instance);
  // Without a backend nobody may keep Dawn's instance alive, or Node would not exit.
  instance = undefined;
  return result;
}

/**
 * Creates a WebGPU backend on Dawn, or returns null when Dawn finds no adapter (or only
 * a software adapter and `allowSoftware` is not set).
 */
export async function createWebGpuBackend(options: NodeWebGpuBackendOptions = {}): Promise<WebGpuBackend | null> {
  const result = await tryCreate(options);
  return result.ok ? result.backend : null;
}

registerBackend(
  'webgpu',
  async () => {
    const result = await tryCreate({ allowSoftware: true });
    if (!result.ok) {
      markUnavailable('webgpu', result.reason);
      return null;
    }
    return result.backend;
  },
  { priority: 3 },
);
