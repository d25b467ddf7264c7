// The shared conformance suite against the plain TypeScript kernels ({ simd: false }).
import { describeBackendConformance } from '@cellstate/tensor/testing';
import { createCpuBackend } from './cpu-backend.js';

describeBackendConformance('cpu (plain TypeScript)', () => createCpuBackend({ simd: false }));
