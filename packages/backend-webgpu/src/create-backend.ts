/**
 * Shared factory code of both entries: acquire a device from a given `GPU` object and
 * wrap it in a WebGpuBackend, or say why not.
 */
import { acquireDevice } from './acquire-device.js';
import { WebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.js';

export type CreateResult = { ok: true; backend: WebGpuBackend } | { ok: false; reason: string };

/**
 * Acquires a device from `gpu` and creates the backend. `keepAlive` is held by the
 * backend until `dispose()` (Dawn's instance in Node).
 */
export async function tryCreateWebGpuBackend(gpu: GPU | undefined, options: WebGpuBackendOptions = {}, keepAlive?: unknown): Promise<CreateResult> {
  const result = await acquireDevice(gpu, options);
  if (!result.ok) return result;
  return { ok: true, backend: new WebGpuBackend(result.acquired, options, keepAlive) };
}
