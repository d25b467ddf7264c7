import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { memory, ready } from '@cellstate/tensor';
import { fitSine } from './fit-sine.js';

describe('sine demo', () => {
  beforeAll(async () => {
    await ready({ prefer: ['cpu'] });
  });

  it('the loss falls by more than 10x and nothing leaks', async () => {
    const before = memory();
    const { losses, params } = await fitSine({ steps: 300, logEvery: 100 });
    for (const p of params) p.dispose();
    expect(losses[0]!).toBeGreaterThan(0.1);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 10);
    expect(memory().handles).toBe(before.handles);
    expect(memory().tapeNodes).toBe(0);
  });
});
