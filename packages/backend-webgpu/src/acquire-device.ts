/**
 * Device acquisition, browser-safe: nothing here imports Node modules or the `webgpu`
 * package. The caller passes the `GPU` object: `navigator.gpu` in browsers (index.ts),
 * Dawn's `create([...])` in Node (node.ts).
 *
 * - Requests the adapter with the caller's power preference; requests the device with
 *   the adapter's own values for the few limits the kernels care about (buffer sizes,
 *   storage buffers per stage, workgroup storage), and no optional features.
 * - A fallback or software adapter (SwiftShader, llvmpipe/lavapipe, WARP) is reported as
 *   `isSoftware`; with `allowSoftware: false` it counts as "no adapter".
 */

export interface AcquireOptions {
  /** Passed to `requestAdapter` (default: the implementation's choice). */
  powerPreference?: GPUPowerPreference;
  /** Ask for the fallback (software) adapter. */
  forceFallbackAdapter?: boolean;
  /** Accept a software adapter (SwiftShader on CI). Default false: such an adapter counts as none. */
  allowSoftware?: boolean;
}

export interface AcquiredDevice {
  adapter: GPUAdapter;
  device: GPUDevice;
  /** A fallback/software adapter: available, never auto-selected by the registry. */
  isSoftware: boolean;
  /** Vendor, architecture and description, for messages and `listBackends()`. */
  description: string;
}

export type AcquireResult = { ok: true; acquired: AcquiredDevice } | { ok: false; reason: string };

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|warp/i;

/** The adapter's info (GPUAdapter.info, or the older requestAdapterInfo()). */
function adapterInfo(adapter: GPUAdapter): Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } {
  return (adapter as { info?: GPUAdapterInfo }).info ?? {};
}

/** True for SwiftShader, llvmpipe/lavapipe, WARP and any adapter flagged as fallback. */
export function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  const info = adapterInfo(adapter);
  if (info.isFallbackAdapter === true) return true;
  if ((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true) return true;
  return SOFTWARE.test([info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' '));
}

export function describeAdapter(adapter: GPUAdapter): string {
  const info = adapterInfo(adapter);
  const parts = [info.vendor, info.architecture, info.description || info.device].filter((p) => typeof p === 'string' && p.length > 0);
  return parts.length > 0 ? parts.join(' / ') : 'unknown adapter';
}

/** `navigator.gpu` when this runtime has one (browsers, Deno, Node with Dawn's globals installed). */
export function navigatorGpu(): GPU | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? undefined;
}

const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** Requests an adapter and a device from `gpu`; says why not when it cannot. */
export async function acquireDevice(gpu: GPU | undefined, options: AcquireOptions = {}): Promise<AcquireResult> {
  if (!gpu) return { ok: false, reason: 'no WebGPU here (navigator.gpu is undefined); in Node import @cellstate/backend-webgpu/node' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({
      ...(options.powerPreference ? { powerPreference: options.powerPreference } : {}),
      ...(options.forceFallbackAdapter ? { forceFallbackAdapter: true } : {}),
    });
  } catch (error) {
    return { ok: false, reason: `requestAdapter failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!adapter) return { ok: false, reason: 'requestAdapter returned null (no WebGPU adapter; on Linux without a GPU set VK_ICD_FILENAMES to a SwiftShader ICD)' };
  const isSoftware = isSoftwareAdapter(adapter);
  const description = describeAdapter(adapter);
  if (isSoftware && !options.allowSoftware) {
    return { ok: false, reason: `only a software adapter is available (${description}); pass allowSoftware: true to use it` };
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number | undefined>)[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  try {
    const device = await adapter.requestDevice({ requiredLimits, label: 'cellstate' });
    return { ok: true, acquired: { adapter, device, isSoftware, description } };
  } catch (error) {
    return { ok: false, reason: `requestDevice failed on ${description}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
