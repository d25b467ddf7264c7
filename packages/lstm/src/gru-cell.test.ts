import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { ShapeError, mul, reshape, scope, slice, sum, tensor, type Tensor } from '@cellstate/tensor';
import { checkGradients, expectClose } from '@cellstate/tensor/testing';
import { GRUCell } from './gru-cell.js';
import { GRU } from './gru-layer.js';
import { onnxGruToPytorch, pytorchGruToOnnx } from './gru-weight-layout.js';
import { describeOnFixtureBackends, expectFixtureGradients, expectInputGradients, expectParameterGradients, streamAgainstLayer, withFixtureModule, type FixtureStateDict } from './test-helpers.js';
import { useBackend, seeded } from './test-setup.js';
import cellA from './__fixtures__/gru-cell-i3-h4-b2.json' with { type: 'json' };
import cellB from './__fixtures__/gru-cell-i2-h1-b1-nobias-noh.json' with { type: 'json' };

interface CellFixture {
  name: string;
  torch_version: string;
  config: { inputSize: number; hiddenSize: number; bias: boolean };
  B: number;
  state_dict: FixtureStateDict;
  x: { shape: number[]; values: number[] };
  h: number[] | null;
  w: number[];
  h_next: number[];
  loss: number;
  grads: Record<string, number[]>;
  grad_x: number[];
  grad_h: number[] | null;
}
const fixtures = [cellA, cellB] as unknown as CellFixture[];

describeOnFixtureBackends('GRUCell vs PyTorch nn.GRUCell fixtures on %s', (tol) => {
  for (const f of fixtures) {
    it(`${f.name}: h' and the gradients of every parameter, x${f.h ? ' and h' : ''} (torch ${f.torch_version})`, () => {
      withFixtureModule(() => new GRUCell(f.config), f.state_dict, (cell) => {
        const H = f.config.hiddenSize;
        const x = tensor(f.x.values, f.x.shape);
        x.requiresGrad = true;
        const h = f.h ? tensor(f.h, [f.B, H]) : undefined;
        if (h) h.requiresGrad = true;
        const next = cell.forward(x, h);
        expect(next.shape).toEqual([f.B, H]);
        expectClose(next.dataSync(), f.h_next, { atol: tol, label: "h'" });
        const loss = sum(mul(next, tensor(f.w, [f.B, H])));
        expectFixtureGradients(loss, cell, f.grads, [['x', x, f.grad_x], ['h', h, f.grad_h]], tol * 10);
      });
    });
  }
});

describe('GRUCell', () => {
  beforeAll(async () => {
    await useBackend('reference');
  });

  it('gradients through one step match finite differences (x, h and every parameter)', () => {
    const r = seeded(1);
    const cell = new GRUCell({ inputSize: 3, hiddenSize: 2, seed: 4 });
    scope(() => {
      const x = tensor(r(6), [2, 3]);
      const h = tensor(r(4), [2, 2]);
      const weights = tensor(r(4), [2, 2]);
      const check = checkGradients((xx: Tensor, hh: Tensor) => cell.forward(xx, hh), [x, h]);
      expect(check.inputs).toHaveLength(2);
      expectInputGradients(check, 1e-7);
      expectParameterGradients(cell, () => sum(mul(cell.forward(x, h), weights)));
    });
    cell.dispose();
  });

  it('streaming step by step equals the GRU layer over the whole sequence, for any batch size', () => {
    const layer = new GRU({ inputSize: 3, hiddenSize: 4, seed: 9 });
    const cell = new GRUCell({ inputSize: 3, hiddenSize: 4 });
    streamAgainstLayer(layer, cell, 3, (x, B, T) => {
      const whole = layer.forward(x);
      let h = cell.initialState(B);
      const outputs = whole.output.dataSync();
      for (let t = 0; t < T; t++) {
        h = cell.forward(reshape(slice(x, [t, 0, 0], [1, B, 3]), [B, 3]), h);
        h.dataSync().forEach((v, i) => expect(v).toBeCloseTo(outputs[t * B * 4 + i]!, 10));
      }
      const hT = whole.h.dataSync();
      h.dataSync().forEach((v, i) => expect(v).toBeCloseTo(hT[i]!, 10));
    });
  });

  it('names its parameters like nn.GRUCell and rejects wrong shapes with a ShapeError', () => {
    const cell = new GRUCell({ inputSize: 2, hiddenSize: 3 });
    expect(cell.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual(['weight_ih:9x2', 'weight_hh:9x3', 'bias_ih:9', 'bias_hh:9']);
    scope(() => {
      expect(() => cell.forward(tensor([1, 2, 3], [1, 3]))).toThrow(ShapeError);
      expect(() => cell.forward(tensor([1, 2, 3], [1, 3]))).toThrow('GRUCell.forward: x must be [B, 2]; expected [B, 2]; got [1, 3]');
      expect(() => cell.forward(tensor([1, 2], [1, 2]), tensor([0, 0, 0, 0, 0, 0], [2, 3]))).toThrow('GRUCell.forward: h must be [B, 3] with B = 1 (the batch of x); expected [1, 3]; got [2, 3]');
    });
    expect(() => new GRUCell({ inputSize: 2, hiddenSize: 0 })).toThrow(/GRUCell: inputSize and hiddenSize must be positive integers/);
    cell.dispose();
  });
});

describe('GRU weight layouts', () => {
  it('ONNX (z, r, h; B = Wb ‖ Rb) <-> PyTorch (r, z, n) round-trips and puts each gate where it belongs', () => {
    const [I, H] = [2, 1];
    // Rows of W per direction: z, r, h, each row I values; tag every value by gate.
    const W = Float32Array.from([10, 11, 20, 21, 30, 31, 110, 111, 120, 121, 130, 131]);
    const R = Float32Array.from([1, 2, 3, 101, 102, 103]);
    const B = Float32Array.from([4, 5, 6, 7, 8, 9, 104, 105, 106, 107, 108, 109]);
    const dirs = onnxGruToPytorch({ W, R, B }, I, H, 2);
    expect(Array.from(dirs[0]!.weightIh)).toEqual([20, 21, 10, 11, 30, 31]);
    expect(Array.from(dirs[1]!.weightHh)).toEqual([102, 101, 103]);
    expect(Array.from(dirs[0]!.biasIh)).toEqual([5, 4, 6]);
    expect(Array.from(dirs[0]!.biasHh)).toEqual([8, 7, 9]);
    const back = pytorchGruToOnnx(dirs, I, H);
    expect(Array.from(back.W)).toEqual(Array.from(W));
    expect(Array.from(back.R)).toEqual(Array.from(R));
    expect(Array.from(back.B)).toEqual(Array.from(B));
    expect(Array.from(onnxGruToPytorch({ W: W.subarray(0, 6), R: R.subarray(0, 3) }, I, H, 1)[0]!.biasHh)).toEqual([0, 0, 0]);
    expect(() => onnxGruToPytorch({ W, R: R.subarray(1), B }, I, H, 2)).toThrow(ShapeError);
  });
});
