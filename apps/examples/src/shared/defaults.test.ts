import { describe, expect, it } from 'vitest';
import { withDefaults } from './defaults.js';

describe('withDefaults', () => {
  it('takes each option given, and the default where it is left out, undefined or null (as ??)', () => {
    const defaults = { steps: 300, seed: 7, models: ['LSTM'] };
    expect(withDefaults({ steps: 0, seed: undefined }, defaults)).toEqual({ steps: 0, seed: 7, models: ['LSTM'] });
    expect(withDefaults({ models: null as unknown as string[] }, defaults)).toEqual(defaults);
  });

  it('copies no key that has no default, and leaves the defaults as they were', () => {
    const defaults = { steps: 300 };
    const options: { steps?: number; onLog?: () => void } = { onLog: () => {} };
    expect(withDefaults(options, defaults)).toEqual({ steps: 300 });
    expect(defaults).toEqual({ steps: 300 });
  });
});
