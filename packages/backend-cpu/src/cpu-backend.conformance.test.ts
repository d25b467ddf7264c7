// The shared conformance suite against the CPU backend as created by default (architecture
// §10): WebAssembly SIMD kernels where big enough, on all cores. The plain TypeScript path
// and the threaded path at every size have their own files (conformance-plain, -threads).
import { describeBackendConformance } from '@cellstate/tensor/testing';
import { createCpuBackend } from './cpu-backend.js';

describeBackendConformance('cpu', () => createCpuBackend());
