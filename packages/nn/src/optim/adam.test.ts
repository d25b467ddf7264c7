import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, tensor, type Tensor } from '@cellstate/tensor';
import { Parameter } from '../parameter.js';
import { Adam, AdamW, type AdamOptions } from './adam.js';
import { flat, labelled, loadPytorchFixture, tolerance, useBackend } from '../test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/** Plain-JS torch.optim.Adam / AdamW (PyTorch's documented algorithm). */
function adamReference(init: number[], grads: number[][], c: AdamConfig, decoupled: boolean) {
  let p = init.slice();
  let m = p.map(() => 0);
  let v = p.map(() => 0);
  const params: number[][] = [];
  grads.forEach((g0, k) => {
    const t = k + 1;
    let g = g0;
    if (decoupled) p = p.map((x) => x * (1 - c.learningRate * c.weightDecay));
    else g = g.map((x, i) => x + c.weightDecay * p[i]!);
    m = m.map((x, i) => c.beta1 * x + (1 - c.beta1) * g[i]!);
    v = v.map((x, i) => c.beta2 * x + (1 - c.beta2) * g[i]! * g[i]!);
    const bc1 = 1 - c.beta1 ** t;
    const bc2 = 1 - c.beta2 ** t;
    p = p.map((x, i) => x - (c.learningRate / bc1) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + c.epsilon)));
    params.push(p);
  });
  return { params, m, v };
}

const INIT = [0.5, -1, 2, 0.25, -0.75, 1.5];
const GRADS = [
  [0.1, -0.2, 0.3, -0.4, 0.5, -0.6],
  [-0.3, 0.1, 0.2, 0.6, -0.1, 0.05],
  [0.7, 0.4, -0.5, 0.2, 0.3, -0.2],
];

function run(kind: 'Adam' | 'AdamW', options: AdamOptions, init: number[] = INIT, grads: number[][] = GRADS, shape = [2, 3]) {
  const p = new Parameter(tensor(init, shape));
  const optimizer = kind === 'Adam' ? new Adam([['w', p]], options) : new AdamW([['w', p]], options);
  expect(optimizer.stateDict().slots).toEqual({}); // slots are created lazily
  const params: number[][] = [];
  for (const g of grads) {
    const grad = tensor(g, shape);
    optimizer.step(new Map<Tensor, Tensor>([[p.value, grad]]));
    grad.dispose();
    params.push(Array.from(p.value.dataSync()));
  }
  const slots = optimizer.stateDict().slots.w!;
  const result = { params, m: Array.from(slots.exp_avg!.dataSync()), v: Array.from(slots.exp_avg_sq!.dataSync()), hyper: optimizer.hyper };
  optimizer.dispose();
  p.dispose();
  return result;
}

describe.each(['reference', 'cpu'] as const)('Adam and AdamW (%s backend)', (backendName) => {
  beforeAll(async () => {
    await useBackend(backendName);
  });
  const tol = tolerance(backendName);

  it.each([
    ['Adam', { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 }],
    ['Adam', { learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.1 }],
    ['AdamW', { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 }],
    ['AdamW', { learningRate: 0.05, beta1: 0.85, beta2: 0.95, epsilon: 1e-7, weightDecay: 0.3 }],
  ] as const)('%s matches the plain-JS reference over 3 steps (%o)', (kind, config) => {
    const got = run(kind, config);
    const expected = adamReference(INIT, GRADS, config, kind === 'AdamW');
    got.params.forEach((p, k) => expectClose(p, expected.params[k]!, { ...tol, label: `step ${k + 1}` }));
    expectClose(got.m, expected.m, { ...tol, label: 'exp_avg' });
    expectClose(got.v, expected.v, { ...tol, label: 'exp_avg_sq' });
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  it.each(labelled(loadPytorchFixture().optimizers.adam, (c: any) => JSON.stringify(c.config)))('matches torch.optim: %s', (_: string, c: any) => {
    const fx = loadPytorchFixture().optimizers;
    const { kind, ...config } = c.config;
    const got = run(kind, config, flat(fx.init), fx.grads.map(flat), [3, 4]);
    got.params.forEach((p, k) => expectClose(p, flat(c.params[k]), { ...tol, label: `step ${k + 1}` }));
    expectClose(got.m, flat(c.state.exp_avg), { ...tol, label: 'exp_avg' });
    expectClose(got.v, flat(c.state.exp_avg_sq), { ...tol, label: 'exp_avg_sq' });
  });

  it('uses PyTorch defaults (AdamW decays 0.01, Adam 0)', () => {
    expect(new Adam([]).hyper).toEqual({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false });
    expect(new AdamW([]).hyper).toMatchObject({ weightDecay: 0.01, decoupledWeightDecay: true });
  });

  it('rejects invalid settings', () => {
    expect(() => new Adam([], { beta1: 1 })).toThrow(ArgumentError);
    expect(() => new Adam([], { beta2: -0.1 })).toThrow(ArgumentError);
    expect(() => new Adam([], { epsilon: -1 })).toThrow(ArgumentError);
    expect(() => new AdamW([], { weightDecay: -1 })).toThrow(ArgumentError);
  });
});
