import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import {
  add,
  backward,
  memory,
  mul,
  registerBackend,
  scope,
  setBackend,
  sum,
  div,
  tensor,
} from '@cellstate/tensor';
import { createReferenceBackend, expectClose } from '@cellstate/tensor/testing';
import { LSTM } from './lstm-layer.js';
import { Adam, clipGradNorm } from '@cellstate/nn';
import oneLayer from './__fixtures__/lstm-1layer.json' with { type: 'json' };
import bidirBatchFirst from './__fixtures__/lstm-2layer-bidir-batchfirst.json' with { type: 'json' };
import bidirLengths from './__fixtures__/lstm-2layer-bidir-lengths.json' with { type: 'json' };

type Fixture = typeof bidirLengths;
const fixtures = [oneLayer, bidirBatchFirst, bidirLengths] as unknown as Fixture[];

function build(f: Fixture) {
  const lstm = new LSTM(f.config);
  lstm.loadStateDict(new Map(Object.entries(f.state_dict).map(([k, v]) => [k, tensor(v.values, v.shape)])));
  return lstm;
}

const backends: [string, number][] = [
  ['reference', 1e-7],
  ['cpu', 2e-5],
];

describe.each(backends)('LSTM vs PyTorch nn.LSTM fixtures on %s', (backendName, tol) => {
  beforeAll(async () => {
    registerBackend('reference', () => createReferenceBackend(), { priority: -1, autoSelect: false });
    await setBackend(backendName);
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  for (const f of fixtures) {
    it(`${f.name}: forward, gradients of every parameter, input and state, and 5 Adam steps with clipping (torch ${f.torch_version})`, () => {
      const before = memory();
      const lstm = build(f);
      const L = f.config.numLayers * (f.config.bidirectional ? 2 : 1);
      const H = f.config.hiddenSize;
      const B = f.B;
      scope(() => {
        const x = tensor(f.x.values, f.x.shape);
        const h0 = tensor(f.h0, [L, B, H]);
        const c0 = tensor(f.c0, [L, B, H]);
        for (const t of [x, h0, c0]) t.requiresGrad = true;
        const opts = { state: { h: h0, c: c0 }, ...(f.lengths ? { lengths: f.lengths } : {}) };
        const out = lstm.forward(x, opts);
        expectClose(out.output.dataSync(), f.output.values, { atol: tol, label: 'output' });
        expectClose(out.h.dataSync(), f.h_n, { atol: tol, label: 'h_n' });
        expectClose(out.c.dataSync(), f.c_n, { atol: tol, label: 'c_n' });

        const loss = add(add(sum(mul(out.output, tensor(f.w_out, f.output.shape))), sum(mul(out.h, tensor(f.w_h, [L, B, H])))), sum(mul(out.c, tensor(f.w_c, [L, B, H]))));
        expect(Math.abs(loss.dataSync()[0]! - f.loss)).toBeLessThan(tol * 100);
        const params = lstm.namedParameters();
        const grads = backward(loss, { inputs: [...params.map(([, p]) => p.value), x, h0, c0] });
        for (const [name, p] of params) expectClose(grads.get(p.value)!.dataSync(), (f.grads as Record<string, number[]>)[name]!, { atol: tol * 10, label: `grad ${name}` });
        expectClose(grads.get(x)!.dataSync(), f.grad_x, { atol: tol * 10, label: 'grad x' });
        expectClose(grads.get(h0)!.dataSync(), f.grad_h0, { atol: tol * 10, label: 'grad h0' });
        expectClose(grads.get(c0)!.dataSync(), f.grad_c0, { atol: tol * 10, label: 'grad c0' });
      });

      // Five Adam steps with gradient-norm clipping on loss / numel, as the fixture script does.
      const optimizer = new Adam(lstm, { learningRate: f.adam.lr });
      const losses: number[] = [];
      const norms: number[] = [];
      for (let step = 0; step < f.adam.steps; step++) {
        scope(() => {
          const x = tensor(f.x.values, f.x.shape);
          const out = lstm.forward(x, { state: { h: tensor(f.h0, [L, B, H]), c: tensor(f.c0, [L, B, H]) }, ...(f.lengths ? { lengths: f.lengths } : {}) });
          const total = add(add(sum(mul(out.output, tensor(f.w_out, f.output.shape))), sum(mul(out.h, tensor(f.w_h, [L, B, H])))), sum(mul(out.c, tensor(f.w_c, [L, B, H]))));
          const loss = div(total, out.output.size);
          losses.push(loss.dataSync()[0]!);
          const clipped = clipGradNorm(backward(loss), f.adam.max_norm);
          norms.push(clipped.totalNorm.dataSync()[0]!);
          optimizer.step(clipped.gradients);
        });
      }
      expectClose(losses, f.adam.losses, { atol: tol * 10, label: 'Adam losses' });
      expectClose(norms, f.adam.grad_norms_before_clipping, { atol: tol * 10, label: 'gradient norms before clipping' });
      for (const [name, p] of lstm.namedParameters()) expectClose(p.value.dataSync(), (f.adam.state_dict as Record<string, number[]>)[name]!, { atol: tol * 10, label: `after Adam ${name}` });
      optimizer.dispose();
      lstm.dispose();
      expect(memory().handles).toBe(before.handles);
      expect(memory().tapeNodes).toBe(0);
    });
  }
});
