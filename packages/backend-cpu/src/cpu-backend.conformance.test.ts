// The shared conformance suite against the CPU backend (architecture §10).
import { describeBackendConformance } from '@cellstate/tensor/testing';
import { createCpuBackend } from './cpu-backend.js';

describeBackendConformance('cpu', () => createCpuBackend());
