import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clearTape, randomUniform, ready } from '@cellstate/tensor';
import '@cellstate/backend-cpu';
import { LastStep, Linear, Sequential, summaryRows } from '@cellstate/nn';
import { GRU, LSTM } from './index.js';

// Sequential + LastStep must give exactly what the hand-written model computed:
// the head on the LSTM's final hidden state (the `squeeze(h, 0)` users wrote).
describe('LSTM and GRU in a Sequential', () => {
  beforeAll(async () => {
    await ready({ prefer: ['cpu'] });
  });
  afterEach(() => clearTape());

  it('LastStep after an LSTM with lengths equals the head on the final state h', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, batchFirst: true, seed: 4 });
    const head = new Linear(10, 1, { seed: 5 });
    const model = new Sequential([lstm, new LastStep(), head]);
    const x = randomUniform([4, 6, 3], { seed: 1 });
    const lengths = [6, 2, 5, 1];
    const y = model.forward(x, { lengths });
    const { h } = lstm.forward(x, { lengths });
    const hv = h.dataSync(); // [4 = l0, l0_rev, l1, l1_rev, B, 5]
    const w = head.weight.value.dataSync();
    const b = head.bias!.value.dataSync()[0]!;
    const expected = lengths.map((_, s) => {
      const features = [...hv.slice((2 * 4 + s) * 5, (2 * 4 + s) * 5 + 5), ...hv.slice((3 * 4 + s) * 5, (3 * 4 + s) * 5 + 5)];
      return features.reduce((acc, f, i) => acc + f * w[i]!, b);
    });
    expect(y.shape).toEqual([4, 1]);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('LastStep after a GRU equals LastStep on its last output step (one layer, one direction); summary shows the shapes', () => {
    const gru = new GRU({ inputSize: 2, hiddenSize: 4, seed: 2 });
    const model = new Sequential([gru, new LastStep({ batchFirst: false }), new Linear(4, 1, { seed: 3 })]);
    const x = randomUniform([7, 3, 2], { seed: 3 }); // time-major
    const { output } = gru.forward(x);
    const last = model.run(x, {}, () => {});
    expect(last.shape).toEqual([3, 1]);
    const lastStep = new LastStep({ batchFirst: false }).forward(output);
    const viaTensor = model.layers[2]!.forward(lastStep as never) as ReturnType<Linear['forward']>;
    Array.from(last.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(viaTensor.dataSync()[i]!, 5));
    const { rows, total } = summaryRows(model, { inputShape: [7, 3, 2] });
    expect(rows.map((r) => r.outputShape)).toEqual([[7, 3, 4], [3, 4], [3, 1]]);
    expect(total).toBe(3 * 4 * (2 + 4 + 2) + 5);
  });
});
