// The shared conformance suite against the WebGPU backend in Node (Dawn; SwiftShader
// on machines without a GPU). Without an adapter every case is skipped with the reason.
import { describeBackendConformance } from '@cellstate/tensor/testing';
import { createWebGpuBackend } from './node.js';

describeBackendConformance('webgpu', () => createWebGpuBackend({ allowSoftware: true }));
