// The LSTM layer and a full training step run unchanged on the WebGPU backend and give
// the CPU backend's numbers. In CI WebGPU is SwiftShader (Vulkan on the CPU) through
// Dawn; the suite skips, with the reason in its title, where no adapter exists.
import '@cellstate/backend-cpu';
import { LSTM } from './lstm-layer.js';
import { describeWebGpuAgreesWithCpu, webGpuForTests } from './test-helpers.js';

const { gpu, reason } = await webGpuForTests();

describeWebGpuAgreesWithCpu(gpu, reason, {
  name: 'lstm',
  seed: 21,
  h0: false,
  create: (options) => new LSTM(options),
  forward: (lstm, x, _h0, lengths) => lstm.forward(x, lengths ? { lengths } : {}),
});
