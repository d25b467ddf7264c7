import { CellstateError } from '@cellstate/tensor';

/**
 * The GPU device was lost (driver reset, GPU removed, out of memory on some drivers,
 * or `device.destroy()` from outside). Every handle of the backend is gone with it:
 * create a new backend (`await ready({ prefer: ['webgpu'] })` after re-registering,
 * or `createWebGpuBackend()`) and upload again.
 */
export class DeviceLostError extends CellstateError {
  /** `GPUDeviceLostInfo.reason`: 'destroyed' or 'unknown'. */
  readonly reason: string;
  constructor(op: string, reason: string, message: string) {
    super(`${op}: the WebGPU device was lost (${reason}${message ? `: ${message}` : ''}); create a new backend and upload the tensors again`, {
      op,
      backend: 'webgpu',
    });
    this.reason = reason;
  }
}

/** A WGSL kernel failed to compile; the message lists `line:column` of each problem and the source line. */
export class WgslCompileError extends CellstateError {
  readonly kernel: string;
  constructor(kernel: string, message: string, fields: { line?: number } = {}) {
    super(`webgpu: WGSL kernel '${kernel}' did not compile:\n${message}`, { op: kernel, backend: 'webgpu', ...fields });
    this.kernel = kernel;
  }
}

/** The device reported a validation or out-of-memory error for work this backend enqueued. */
export class GpuError extends CellstateError {
  constructor(op: string, message: string) {
    super(`${op}: the WebGPU device reported an error: ${message}`, { op, backend: 'webgpu' });
  }
}
