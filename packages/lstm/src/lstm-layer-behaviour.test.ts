import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { backward, memory, scope, sum, tensor, ArgumentError, ShapeError } from '@cellstate/tensor';
import { LSTM } from './lstm-layer.js';
import { GRU } from './gru-layer.js';
import { useBackend, seeded } from './test-setup.js';

describe('LSTM layer behaviour', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('padding: zero outputs past each length, no gradient into padded inputs, same final state as the unpadded sample', () => {
    const r = seeded(4);
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 1 });
    scope(() => {
      const T = 6;
      const values = r(T * 2 * 2);
      const x = tensor(values, [T, 2, 2]);
      x.requiresGrad = true;
      const out = lstm.forward(x, { lengths: [6, 4] });
      const y = out.output.dataSync();
      for (let t = 4; t < T; t++) for (let j = 0; j < 6; j++) expect(Math.abs(y[(t * 2 + 1) * 6 + j]!)).toBe(0);
      const g = backward(sum(out.output), { inputs: [x] }).get(x)!.dataSync();
      for (let t = 4; t < T; t++) for (let k = 0; k < 2; k++) expect(Math.abs(g[(t * 2 + 1) * 2 + k]!)).toBe(0);
      // Sample 1 alone, unpadded, gives the same final states.
      const alone = tensor(Array.from({ length: 4 }, (_, t) => [values[(t * 2 + 1) * 2]!, values[(t * 2 + 1) * 2 + 1]!]).flat(), [4, 1, 2]);
      const ref = lstm.forward(alone);
      const h = out.h.dataSync();
      const hr = ref.h.dataSync();
      for (let l = 0; l < 4; l++) for (let j = 0; j < 3; j++) expect(h[(l * 2 + 1) * 3 + j]).toBeCloseTo(hr[l * 3 + j]!, 5);
    });
    lstm.dispose();
  });

  it('dropout between layers acts only in training mode; batchFirst transposes', () => {
    const r = seeded(5);
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 4, numLayers: 2, dropout: 0.5, batchFirst: true, seed: 2 });
    scope(() => {
      const x = tensor(r(3 * 5 * 2), [3, 5, 2]);
      const a = lstm.forward(x).output.dataSync();
      const b = lstm.forward(x).output.dataSync();
      expect(Array.from(a)).not.toEqual(Array.from(b));
      lstm.eval();
      const c = lstm.forward(x);
      expect(c.output.shape).toEqual([3, 5, 4]);
      expect(Array.from(c.output.dataSync())).toEqual(Array.from(lstm.forward(x).output.dataSync()));
    });
    lstm.dispose();
  });

  it('inter-layer dropout is part of randomState(): restoring the position continues the masks (LSTM and GRU)', () => {
    const r = seeded(6);
    for (const make of [
      () => new LSTM({ inputSize: 2, hiddenSize: 4, numLayers: 2, dropout: 0.5, seed: 3 }),
      () => new GRU({ inputSize: 2, hiddenSize: 4, numLayers: 2, dropout: 0.5, seed: 3 }),
    ]) {
      const a = make();
      const b = make();
      scope(() => {
        const x = tensor(r(3 * 2 * 2), [3, 2, 2]);
        a.forward(x);
        a.eval().forward(x); // eval calls count too (as they always have), so the state says 2
        a.train();
        expect(a.randomState()).toEqual({ '': 2 });
        b.setRandomState(a.randomState());
        expect(Array.from(b.forward(x).output.dataSync())).toEqual(Array.from(a.forward(x).output.dataSync()));
        expect(b.randomState()).toEqual({ '': 3 });
      });
      a.dispose();
      b.dispose();
    }
    // No inter-layer dropout (one layer, or p = 0): nothing to save.
    for (const m of [new LSTM({ inputSize: 2, hiddenSize: 2, dropout: 0.5, seed: 1 }), new GRU({ inputSize: 2, hiddenSize: 2, numLayers: 2, seed: 1 })]) {
      expect(m.randomState()).toEqual({});
      m.dispose();
    }
  });

  it('forgetBias sets the forget quarter of bias_ih and zero in bias_hh, leaking nothing', () => {
    const before = memory();
    new LSTM({ inputSize: 2, hiddenSize: 4, forgetBias: 1 }).dispose();
    expect(memory().handles).toBe(before.handles);
    const lstm = new LSTM({ inputSize: 1, hiddenSize: 2, forgetBias: 1 });
    const [bIh, bHh] = ['bias_ih_l0', 'bias_hh_l0'].map((n) => lstm.stateDict().get(n)!.dataSync());
    expect([bIh![2], bIh![3]]).toEqual([1, 1]);
    expect([bHh![2], bHh![3]]).toEqual([0, 0]);
    expect(bIh![0]).not.toBe(0);
    lstm.dispose();
  });

  it('names parameters like PyTorch and rejects bad input with typed errors', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true });
    expect(lstm.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0:8x3', 'weight_hh_l0:8x2', 'bias_ih_l0:8', 'bias_hh_l0:8',
      'weight_ih_l0_reverse:8x3', 'weight_hh_l0_reverse:8x2', 'bias_ih_l0_reverse:8', 'bias_hh_l0_reverse:8',
      'weight_ih_l1:8x4', 'weight_hh_l1:8x2', 'bias_ih_l1:8', 'bias_hh_l1:8',
      'weight_ih_l1_reverse:8x4', 'weight_hh_l1_reverse:8x2', 'bias_ih_l1_reverse:8', 'bias_hh_l1_reverse:8',
    ]);
    const before = memory();
    scope(() => {
      expect(() => lstm.forward(tensor(new Array(12).fill(0), [2, 2, 3]), { lengths: [2, 3] })).toThrow(ArgumentError);
      expect(() => lstm.forward(tensor(new Array(12).fill(0), [2, 2, 3]), { lengths: [2, 3] })).toThrow(/lengths\[1\] = 3 is outside \[0, 2\]/);
      expect(() => lstm.forward(tensor(new Array(8).fill(0), [2, 2, 2]))).toThrow(ShapeError);
    });
    expect(() => new LSTM({ inputSize: 0, hiddenSize: 2 })).toThrow(/inputSize must be a positive integer/);
    expect(memory().handles).toBe(before.handles);
    lstm.dispose();
  });

  it.each([['LSTM'], ['GRU']])('%s dropoutSeed: the same seed gives the same masks, null none, and the layer counter stays put', (kind) => {
    const make = () => (kind === 'LSTM' ? new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 3, dropout: 0.5, seed: 2 }) : new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 3, dropout: 0.5, seed: 2 }));
    const layer = make();
    const r = seeded(9);
    scope(() => {
      const x = tensor(r(5 * 2 * 3), [5, 2, 3]);
      const run = (o: { dropoutSeed?: number | null }) => Array.from(layer.forward(x, o).output.dataSync());
      const before = JSON.stringify(layer.randomState());
      const a = run({ dropoutSeed: 11 });
      expect(run({ dropoutSeed: 11 })).toEqual(a);
      expect(run({ dropoutSeed: 12 })).not.toEqual(a);
      const none = run({ dropoutSeed: null });
      expect(JSON.stringify(layer.randomState())).toBe(before);
      layer.eval();
      expect(run({})).toEqual(none); // null = what evaluation computes
      expect(run({ dropoutSeed: 11 })).toEqual(a); // an explicit seed applies dropout in eval mode too
    });
    layer.dispose();
  });
});

