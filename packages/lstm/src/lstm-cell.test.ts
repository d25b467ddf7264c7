import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { concat, mul, scope, sum, tensor, slice, reshape, type Tensor } from '@cellstate/tensor';
import { checkGradients } from '@cellstate/tensor/testing';
import { LSTMCell } from './lstm-cell.js';
import { LSTM } from './lstm-layer.js';
import { expectInputGradients, expectParameterGradients, streamAgainstLayer } from './test-helpers.js';
import { useBackend, seeded } from './test-setup.js';

describe('LSTMCell', () => {
  beforeAll(async () => {
    await useBackend('reference');
  });

  it('gradients through one step match finite differences (x, h, c and every parameter)', () => {
    const r = seeded(1);
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 2, seed: 4 });
    scope(() => {
      const x = tensor(r(6), [2, 3]);
      const h = tensor(r(4), [2, 2]);
      const c = tensor(r(4), [2, 2]);
      const weights = tensor(r(8), [2, 4]);
      // Inputs and state: the shared finite-difference checker.
      const check = checkGradients((xx: Tensor, hh: Tensor, cc: Tensor) => {
        const s = cell.forward(xx, { h: hh, c: cc });
        return concat([s.h, s.c], 1);
      }, [x, h, c]);
      expectInputGradients(check, 1e-7);
      // Parameters: perturb each value in place through Parameter.assign.
      expectParameterGradients(cell, () => {
        const s = cell.forward(x, { h, c });
        return sum(mul(concat([s.h, s.c], 1), weights));
      });
    });
    cell.dispose();
  });

  it('streaming step by step equals the LSTM layer over the whole sequence, for any batch size', () => {
    const layer = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 9 });
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4 });
    streamAgainstLayer(layer, cell, 3, (x, B, T) => {
      const whole = layer.forward(x);
      let state = cell.initialState(B);
      for (let t = 0; t < T; t++) state = cell.forward(reshape(slice(x, [t, 0, 0], [1, B, 3]), [B, 3]), state);
      const h = whole.h.dataSync();
      state.h.dataSync().forEach((v, i) => expect(v).toBeCloseTo(h[i]!, 10));
      const c = whole.c.dataSync();
      state.c.dataSync().forEach((v, i) => expect(v).toBeCloseTo(c[i]!, 10));
    });
  });

  it('names its parameters like nn.LSTMCell and checks input shapes', () => {
    const cell = new LSTMCell({ inputSize: 2, hiddenSize: 3 });
    expect(cell.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual(['weight_ih:12x2', 'weight_hh:12x3', 'bias_ih:12', 'bias_hh:12']);
    expect(() => cell.forward(tensor([1, 2, 3], [1, 3]))).toThrow(/LSTMCell.forward: x must be \[B, 2\]/);
    cell.dispose();
  });
});
