// The Node entry: registers 'webgpu' (priority 3) on Dawn. A software adapter
// (SwiftShader) comes up when asked for by name and is never picked automatically.
import { afterAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { listBackends, ready, removeBackend } from '@cellstate/tensor';
import { dawnMissing, skipTitle } from '../../../tools/test-env/requirements.ts';
import '../src/node.js';

// Checked before Dawn starts: without a Vulkan loader it prints warnings and finds nothing.
const missing = dawnMissing();

describe.skipIf(!!missing)(skipTitle('@cellstate/backend-webgpu/node', missing), () => {
  afterAll(() => {
    removeBackend('webgpu');
    removeBackend('cpu');
  });

  it('comes up by name; automatic selection skips a software adapter', async (ctx) => {
    const auto = await ready();
    const row = listBackends().find((b) => b.name === 'webgpu')!;
    expect(row.priority).toBe(3);
    if (row.state !== 'ready') return ctx.skip(`webgpu: unavailable — ${row.reason ?? 'no adapter'}`);
    const preferred = await ready({ prefer: ['webgpu'] });
    expect(preferred.name).toBe('webgpu');
    if (preferred.capabilities.isSoftware) {
      expect(auto.name).toBe('cpu');
      expect(row.reason).toMatch(/software adapter/);
    } else {
      expect(auto.name).toBe('webgpu');
    }
  });
});
