import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, tensor, type Tensor } from '@cellstate/tensor';
import { Parameter } from '../parameter.js';
import { SGD, type SgdOptions } from './sgd.js';
import { flat, labelled, loadPytorchFixture, tolerance, useBackend } from '../test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

/** Plain-JS torch.optim.SGD (PyTorch's documented algorithm). */
function sgdReference(init: number[], grads: number[][], c: Required<SgdOptions>): { params: number[][]; buffer: number[] | null } {
  let p = init.slice();
  let buffer = null as number[] | null;
  const params: number[][] = [];
  for (const g of grads) {
    let d = g.map((v, i) => v + c.weightDecay * p[i]!);
    if (c.momentum !== 0) {
      const b: number[] = buffer === null ? d.slice() : buffer.map((v, i) => c.momentum * v + (1 - c.dampening) * d[i]!);
      buffer = b;
      d = c.nesterov ? d.map((v, i) => v + c.momentum * b[i]!) : b;
    }
    p = p.map((v, i) => v - c.learningRate * d[i]!);
    params.push(p);
  }
  return { params, buffer };
}

const INIT = [0.5, -1, 2, 0.25, -0.75, 1.5];
const GRADS = [
  [0.1, -0.2, 0.3, -0.4, 0.5, -0.6],
  [-0.3, 0.1, 0.2, 0.6, -0.1, 0.05],
  [0.7, 0.4, -0.5, 0.2, 0.3, -0.2],
];

function run(options: SgdOptions, init: number[] | number[][] = INIT, grads: (number[] | number[][])[] = GRADS, shape = [2, 3]) {
  const p = new Parameter(tensor(flat(init), shape));
  const optimizer = new SGD([['w', p]], options);
  const params: number[][] = [];
  for (const g of grads) {
    const grad = tensor(flat(g), shape);
    optimizer.step(new Map<Tensor, Tensor>([[p.value, grad]]));
    grad.dispose();
    params.push(Array.from(p.value.dataSync()));
  }
  const buffer = optimizer.stateDict().slots.w?.momentum_buffer;
  const result = { params, buffer: buffer ? Array.from(buffer.dataSync()) : null, steps: optimizer.stepCount };
  optimizer.dispose();
  p.dispose();
  return result;
}

describe.each(['reference', 'cpu'] as const)('SGD (%s backend)', (backendName) => {
  beforeAll(async () => {
    await useBackend(backendName);
  });
  const tol = tolerance(backendName);

  it.each([
    ['plain', { learningRate: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }],
    ['weight decay', { learningRate: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.2 }],
    ['momentum + dampening + weight decay', { learningRate: 0.1, momentum: 0.9, dampening: 0.3, nesterov: false, weightDecay: 0.01 }],
    ['nesterov', { learningRate: 0.05, momentum: 0.8, dampening: 0, nesterov: true, weightDecay: 0.05 }],
  ] as const)('matches the plain-JS reference over 3 steps: %s', (_, config) => {
    const got = run(config);
    const expected = sgdReference(INIT, GRADS, config);
    got.params.forEach((p, k) => expectClose(p, expected.params[k]!, { ...tol, label: `step ${k + 1}` }));
    if (expected.buffer) expectClose(got.buffer!, expected.buffer, { ...tol, label: 'momentum_buffer' });
    else expect(got.buffer).toBeNull();
    expect(got.steps).toBe(3);
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  it.each(labelled(loadPytorchFixture().optimizers.sgd, (c: any) => JSON.stringify(c.config)))('matches torch.optim.SGD: %s', (_: string, c: any) => {
    const fx = loadPytorchFixture().optimizers;
    const got = run(c.config, fx.init, fx.grads, [3, 4]);
    got.params.forEach((p, k) => expectClose(p, flat(c.params[k]), { ...tol, label: `step ${k + 1}` }));
    if (c.state.momentum_buffer) expectClose(got.buffer!, flat(c.state.momentum_buffer), tol);
  });

  it('rejects invalid settings like PyTorch', () => {
    expect(() => new SGD([], { learningRate: -1 })).toThrow(ArgumentError);
    expect(() => new SGD([], { learningRate: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new SGD([], { learningRate: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new SGD([], { learningRate: 0.1, momentum: -0.5 })).toThrow(ArgumentError);
  });
});
