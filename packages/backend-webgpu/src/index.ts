/**
 * @cellstate/backend-webgpu: the WebGPU backend for cellstate, browser entry. Importing
 * it registers 'webgpu' (priority 3) with the backend registry; the factory uses
 * `navigator.gpu` and returns null, with the reason in `listBackends()`, when there is
 * no WebGPU or no adapter. Software adapters (SwiftShader) come up only when asked for
 * by name (`await ready({ prefer: ['webgpu'] })`).
 *
 * This entry never imports Node modules or the `webgpu` (Dawn) package. In Node import
 * `@cellstate/backend-webgpu/node` instead: the same API, backed by Dawn.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-webgpu';
 * import '@cellstate/backend-cpu';
 * import { ready } from '@cellstate/tensor';
 * const backend = await ready(); // 'webgpu' where a hardware adapter exists, else 'cpu'
 * ```
 */
import { markUnavailable, registerBackend } from '@cellstate/tensor';
import { navigatorGpu } from './acquire-device.js';
import { tryCreateWebGpuBackend } from './create-backend.js';
import type { WebGpuBackend, WebGpuBackendOptions } from './webgpu-backend.js';

export { WebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.js';
export { DeviceLostError, WgslCompileError, GpuError } from './errors.js';
export { acquireDevice, isSoftwareAdapter, navigatorGpu, type AcquireOptions, type AcquiredDevice, type AcquireResult } from './acquire-device.js';

/**
 * Creates a WebGPU backend on `navigator.gpu` (or on `options.gpu`), or returns null
 * when there is no WebGPU or no adapter (or only a software adapter and
 * `allowSoftware` is not set).
 *
 * @example
 * ```ts
 * const gpu = await createWebGpuBackend({ powerPreference: 'high-performance' });
 * if (!gpu) console.log('no WebGPU here');
 * ```
 */
export async function createWebGpuBackend(options: WebGpuBackendOptions & { gpu?: GPU } = {}): Promise<WebGpuBackend | null> {
  const result = await tryCreateWebGpuBackend(options.gpu ?? navigatorGpu(), options);
  return result.ok ? result.backend : null;
}

registerBackend(
  'webgpu',
  async () => {
    const result = await tryCreateWebGpuBackend(navigatorGpu(), { allowSoftware: true });
    if (!result.ok) {
      markUnavailable('webgpu', result.reason);
      return null;
    }
    return result.backend;
  },
  { priority: 3 },
);
