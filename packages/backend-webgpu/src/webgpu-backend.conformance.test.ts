// The shared conformance suite against the WebGPU backend in Node (Dawn; SwiftShader
// on machines without a GPU). Where Dawn cannot find an adapter (no Vulkan loader or
// driver) the suite is skipped with the reason in its title, before Dawn starts and
// prints its loader warnings; an adapter that then fails skips each case with a note.
import { describe } from 'vitest';
import { describeBackendConformance } from '@cellstate/tensor/testing';
import { dawnMissing, skipTitle } from '../../../tools/test-env/requirements.ts';
import { createWebGpuBackend } from './node.js';

const missing = dawnMissing();

describe.skipIf(!!missing)(skipTitle('WebGPU in Node (Dawn)', missing), () => {
  describeBackendConformance('webgpu', () => createWebGpuBackend({ allowSoftware: true }));
});
