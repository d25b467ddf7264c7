/**
 * @cellstate/backend-cpu: the CPU backend for cellstate. Importing this module
 * registers it with the backend registry as 'cpu' (priority 1); `createCpuBackend`
 * makes an unregistered instance for explicit wiring.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, tensor, add } from '@cellstate/tensor';
 * await ready();
 * console.log(await add(tensor([1, 2]), 1).data()); // Float32Array [2, 3]
 * ```
 */
import { registerBackend } from '@cellstate/tensor';
import { createCpuBackend } from './cpu-backend.js';

export { CpuBackend, createCpuBackend, type CpuBackendOptions, type CpuKernelInfo } from './cpu-backend.js';
export type { WasmTuning } from './wasm/kernels.js';

registerBackend('cpu', () => createCpuBackend(), { priority: 1 });
