import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deriveSeed, dropout } from '@cellstate/nn';
import { clearTape, scope, tensor, type Tensor } from '@cellstate/tensor';
import { GRU } from './gru-layer.js';
import { LSTM } from './lstm-layer.js';
import { seeded, useBackend } from './test-setup.js';

describe('inter-layer dropout with seeds from the caller', () => {
  beforeAll(async () => {
    await useBackend('reference');
  });
  afterEach(() => clearTape());

  it("layer l's mask is dropout(x, p, deriveSeed(dropoutSeed, l)), 53-bit seeds included", () => {
    const seed = deriveSeed(99, 3); // a SeedStream-sized seed (above 2^32)
    const stacked = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.5, seed: 2 });
    // The same two layers as one-layer LSTMs, to compose by hand.
    const [bottom, top] = [0, 1].map((l) => {
      const one = new LSTM({ inputSize: l === 0 ? 3 : 4, hiddenSize: 4, seed: 1 });
      const sd = stacked.stateDict();
      one.loadStateDict(new Map(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => [`${n}_l0`, sd.get(`${n}_l${l}`)!] as [string, Tensor])));
      return one;
    });
    const r = seeded(4);
    scope(() => {
      const x = tensor(r(5 * 2 * 3), [5, 2, 3]);
      const got = Array.from(stacked.forward(x, { dropoutSeed: seed }).output.dataSync());
      const expected = Array.from(top!.forward(dropout(bottom!.forward(x).output, 0.5, deriveSeed(seed, 0))).output.dataSync());
      expect(got).toEqual(expected);
    });
    for (const m of [stacked, bottom!, top!]) m.dispose();
  });

  it.each([['LSTM'], ['GRU']])('%s callerDropoutSeeds: no counter in randomState, no dropout without a seed, the same masks with one', (kind) => {
    const make = (callerDropoutSeeds: boolean) => {
      const o = { inputSize: 3, hiddenSize: 4, numLayers: 3, dropout: 0.4, seed: 6, callerDropoutSeeds };
      return kind === 'LSTM' ? new LSTM(o) : new GRU(o);
    };
    const caller = make(true);
    const counted = make(false);
    expect(caller.randomState()).toEqual({});
    expect(counted.randomState()).toEqual({ '': 0 });
    const r = seeded(8);
    scope(() => {
      const x = tensor(r(4 * 2 * 3), [4, 2, 3]);
      const run = (m: LSTM | GRU, o: { dropoutSeed?: number | null }) => Array.from(m.forward(x, o).output.dataSync());
      expect(run(caller, {})).toEqual(run(counted, { dropoutSeed: null })); // training mode, yet no dropout
      expect(run(caller, { dropoutSeed: 17 })).toEqual(run(counted, { dropoutSeed: 17 }));
      expect(run(caller, { dropoutSeed: 17 })).not.toEqual(run(caller, {}));
    });
    expect(caller.randomState()).toEqual({});
    caller.dispose();
    counted.dispose();
  });
});
