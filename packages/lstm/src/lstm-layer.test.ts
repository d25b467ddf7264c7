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
  sub,
  sum,
  div,
  tensor,
  noGrad,
  type Tensor,
} from '@cellstate/tensor';
import { createReferenceBackend } from '@cellstate/tensor/testing';
import { LSTM } from './lstm-layer.js';
import bidir from './__fixtures__/lstm-2layer-bidir-lengths.json' with { type: 'json' };
import batchFirst from './__fixtures__/lstm-1layer-batchfirst.json' with { type: 'json' };

type Fixture = typeof bidir;

function maxError(actual: ArrayLike<number>, expected: number[]): { abs: number; at: number } {
  let abs = 0;
  let at = -1;
  expected.forEach((e, i) => {
    const d = Math.abs(actual[i]! - e);
    if (d > abs || Number.isNaN(d)) {
      abs = d;
      at = i;
    }
  });
  return { abs, at };
}

function expectClose(label: string, actual: ArrayLike<number>, expected: number[], tol: number) {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const { abs, at } = maxError(actual, expected);
  expect(abs, `${label}: max abs error ${abs} at ${at}`).toBeLessThanOrEqual(tol);
}

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

  for (const f of [bidir, batchFirst] as Fixture[]) {
    it(`${f.name}: forward, gradients of every parameter, input and state, and 5 SGD steps (torch ${f.torch_version})`, () => {
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
        expectClose('output', out.output.dataSync(), f.output.values, tol);
        expectClose('h_n', out.h.dataSync(), f.h_n, tol);
        expectClose('c_n', out.c.dataSync(), f.c_n, tol);

        const loss = add(add(sum(mul(out.output, tensor(f.w_out, f.output.shape))), sum(mul(out.h, tensor(f.w_h, [L, B, H])))), sum(mul(out.c, tensor(f.w_c, [L, B, H]))));
        expect(Math.abs(loss.dataSync()[0]! - f.loss)).toBeLessThan(tol * 100);
        const params = lstm.namedParameters();
        const grads = backward(loss, { inputs: [...params.map(([, p]) => p.value), x, h0, c0] });
        for (const [name, p] of params) expectClose(`grad ${name}`, grads.get(p.value)!.dataSync(), (f.grads as Record<string, number[]>)[name]!, tol * 10);
        expectClose('grad x', grads.get(x)!.dataSync(), f.grad_x, tol * 10);
        expectClose('grad h0', grads.get(h0)!.dataSync(), f.grad_h0, tol * 10);
        expectClose('grad c0', grads.get(c0)!.dataSync(), f.grad_c0, tol * 10);
      });

      // Five plain SGD steps on loss / numel, as the fixture script does.
      const losses: number[] = [];
      for (let step = 0; step < f.sgd.steps; step++) {
        const updates = scope(() => {
          const x = tensor(f.x.values, f.x.shape);
          const out = lstm.forward(x, { state: { h: tensor(f.h0, [L, B, H]), c: tensor(f.c0, [L, B, H]) }, ...(f.lengths ? { lengths: f.lengths } : {}) });
          const total = add(add(sum(mul(out.output, tensor(f.w_out, f.output.shape))), sum(mul(out.h, tensor(f.w_h, [L, B, H])))), sum(mul(out.c, tensor(f.w_c, [L, B, H]))));
          const loss = div(total, out.output.size);
          losses.push(loss.dataSync()[0]!);
          const grads = backward(loss);
          return noGrad(() => lstm.namedParameters().map(([, p]) => [p, sub(p.value, mul(grads.get(p.value)!, f.sgd.lr))] as const));
        });
        for (const [p, next] of updates) p.assign(next as Tensor);
      }
      expectClose('SGD losses', losses, f.sgd.losses, tol * 10);
      for (const [name, p] of lstm.namedParameters()) expectClose(`after SGD ${name}`, p.value.dataSync(), (f.sgd.state_dict as Record<string, number[]>)[name]!, tol * 10);
      lstm.dispose();
      expect(memory().handles).toBe(before.handles);
      expect(memory().tapeNodes).toBe(0);
    });
  }
});
