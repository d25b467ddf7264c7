// The shared conformance suite against the WebGPU backend in headless chromium
// (navigator.gpu; SwiftShader on CI). Runs in the browser project only (`pnpm test:browser`).
import { describeBackendConformance } from '@cellstate/tensor/testing';
import { createWebGpuBackend } from './index.js';

describeBackendConformance('webgpu-chromium', () => createWebGpuBackend({ allowSoftware: true }));
