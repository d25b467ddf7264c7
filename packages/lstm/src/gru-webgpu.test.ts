// The GRU layer (composed from tensor ops, no GRU kernel) and a full training step run
// unchanged on the WebGPU backend and give the CPU backend's numbers. In CI WebGPU is
// SwiftShader (Vulkan on the CPU) through Dawn; the suite skips, with the reason in its
// title, where no adapter exists.
import '@cellstate/backend-cpu';
import { GRU } from './gru-layer.js';
import { describeWebGpuAgreesWithCpu, webGpuForTests } from './test-helpers.js';

const { gpu, reason } = await webGpuForTests();

describeWebGpuAgreesWithCpu(gpu, reason, {
  name: 'gru',
  seed: 23,
  h0: true,
  create: (options) => new GRU(options),
  forward: (gru, x, h0, lengths) => gru.forward(x, { ...(h0 ? { h0 } : {}), ...(lengths ? { lengths } : {}) }),
});
