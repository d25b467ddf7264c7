import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { withoutInitialization } from '@cellstate/nn';
import { LSTM } from './lstm-layer.js';
import { GRU } from './gru-layer.js';
import { useBackend } from './test-setup.js';

describe('recurrent layers under withoutInitialization', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('LSTM and GRU weights are zeros (no random numbers drawn), then load like any model', () => {
    const options = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 5 };
    const lstm = withoutInitialization(() => new LSTM(options));
    const gru = withoutInitialization(() => new GRU(options));
    for (const m of [lstm, gru]) for (const p of m.parameters()) expect(Array.from(p.value.dataSync()).every((v) => v === 0)).toBe(true);
    const drawn = new LSTM(options);
    lstm.loadStateDict(Object.fromEntries(drawn.namedParameters().map(([n, p]) => [n, p.value])));
    expect(lstm.parameters().map((p) => Array.from(p.value.dataSync()))).toEqual(drawn.parameters().map((p) => Array.from(p.value.dataSync())));
    for (const m of [lstm, gru, drawn]) m.dispose();
  });
});
