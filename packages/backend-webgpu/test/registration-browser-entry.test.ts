// The browser entry in Node: registers 'webgpu' at priority 3, and its factory returns
// null with a reason, since Node has no navigator.gpu (that is what the /node entry is for).
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend, listBackends } from '@cellstate/tensor';
import '../src/index.js';

describe('@cellstate/backend-webgpu (browser entry) in Node', () => {
  it('registers webgpu with priority 3 and reports why it is unavailable', async () => {
    await expect(initBackend('webgpu')).rejects.toBeInstanceOf(BackendUnavailableError);
    const row = listBackends().find((b) => b.name === 'webgpu');
    expect(row).toMatchObject({ name: 'webgpu', priority: 3, state: 'unavailable' });
    expect(row?.reason).toMatch(/navigator\.gpu.*@cellstate\/backend-webgpu\/node/);
  });
});
