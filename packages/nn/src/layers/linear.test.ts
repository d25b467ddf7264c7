import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, backward, clearTape, memory, scope, tensor, zeros } from '@cellstate/tensor';
import { checkGradients } from '@cellstate/tensor/testing';
import { Linear } from './linear.js';
import { mseLoss } from '../losses.js';
import { flat, loadPytorchFixture, tolerance, useBackend, useReferenceBackend } from '../test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

describe('Linear', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });
  afterEach(() => clearTape());

  it('has PyTorch names and layouts: weight [out, in], bias [out]', () => {
    const fc = new Linear(4, 3, { seed: 1 });
    expect(fc.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['weight', [3, 4]],
      ['bias', [3]],
    ]);
    const noBias = new Linear(4, 3, { bias: false, seed: 1 });
    expect(noBias.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(noBias.bias).toBeNull();
    fc.dispose();
    noBias.dispose();
  });

  it('initialises weight and bias from U(±1/√in), deterministically per seed', () => {
    const fc = new Linear(16, 200, { seed: 3 });
    const w = Array.from(fc.weight.value.dataSync());
    const b = Array.from(fc.bias!.value.dataSync());
    for (const v of [...w, ...b]) expect(Math.abs(v)).toBeLessThan(0.25);
    expect(Math.max(...w)).toBeGreaterThan(0.245);
    expect(Math.min(...w)).toBeLessThan(-0.245);
    expect(Math.abs(w.reduce((a, c) => a + c, 0) / w.length)).toBeLessThan(0.01);
    const again = new Linear(16, 200, { seed: 3 });
    expect(Array.from(again.weight.value.dataSync())).toEqual(w);
    expect(Array.from(again.bias!.value.dataSync())).toEqual(b);
    // The bias is its own stream, not a copy of the weight's first values.
    expect(b.slice(0, 5)).not.toEqual(w.slice(0, 5));
    fc.dispose();
    again.dispose();
  });

  it('forward equals x·Wᵀ + b computed by hand, for x [2, 3, in]', () => {
    const fc = new Linear(3, 2, { seed: 5 });
    const W = Array.from(fc.weight.value.dataSync());
    const b = Array.from(fc.bias!.value.dataSync());
    const xs = Array.from({ length: 18 }, (_, i) => Math.sin(i + 1));
    const y = fc.forward(tensor(xs, [2, 3, 3]));
    expect(y.shape).toEqual([2, 3, 2]);
    const expected: number[] = [];
    for (let r = 0; r < 6; r++) {
      for (let o = 0; o < 2; o++) {
        let acc = b[o]!;
        for (let i = 0; i < 3; i++) acc += xs[r * 3 + i]! * W[o * 3 + i]!;
        expected.push(acc);
      }
    }
    expectClose(y.dataSync(), expected, { atol: 1e-6, rtol: 1e-6 });
    fc.dispose();
  });

  it('without bias, forward is x·Wᵀ; rank-1 inputs work', () => {
    const fc = new Linear(2, 2, { bias: false, seed: 1 });
    const W = Array.from(fc.weight.value.dataSync());
    const y = fc.forward(tensor([1, -2]));
    expect(y.shape).toEqual([2]);
    expectClose(y.dataSync(), [W[0]! - 2 * W[1]!, W[2]! - 2 * W[3]!], { atol: 1e-6, rtol: 1e-6 });
    fc.dispose();
  });

  it('throws typed errors for a wrong last dimension or dtype', () => {
    const fc = new Linear(3, 2, { seed: 1 });
    expect(() => fc.forward(zeros([4, 2]))).toThrow(ShapeError);
    expect(() => fc.forward(zeros([4, 3], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => new Linear(0, 2)).toThrow(/inFeatures/);
    fc.dispose();
  });

  it('input gradient passes a finite-difference check', () => {
    const fc = new Linear(3, 4, { seed: 2 });
    const x = tensor(Array.from({ length: 6 }, (_, i) => Math.cos(i)), [2, 3]);
    const r = checkGradients((v) => fc.forward(v), [x]);
    expectClose(r.inputs[0]!.analytic, r.inputs[0]!.numeric, { atol: 1e-6, rtol: 1e-5 });
    fc.dispose();
  });

  it('forward is leak-free', () => {
    const fc = new Linear(3, 4, { seed: 2 });
    const x = zeros([5, 3]);
    const before = memory();
    fc.forward(x).dispose();
    expect(memory()).toMatchObject({ handles: before.handles, bytesInUse: before.bytesInUse, tensors: before.tensors });
    fc.dispose();
  });
});

describe.each(['reference', 'cpu'] as const)('Linear vs PyTorch (%s backend)', (backendName) => {
  const fx = loadPytorchFixture().linear;
  beforeAll(async () => {
    await useBackend(backendName);
  });

  it('forward, mse loss and parameter gradients match torch.nn.Linear', () => {
    const fc = new Linear(4, 3, { seed: 0 });
    fc.loadStateDict({ weight: tensor(fx.weight), bias: tensor(fx.bias) });
    const tol = tolerance(backendName);
    scope(() => {
      const y = fc.forward(tensor(fx.x));
      expectClose(y.dataSync(), flat(fx.y), { ...tol, label: 'y' });
      const loss = mseLoss(y, tensor(fx.target));
      expectClose(loss.dataSync(), [fx.loss], { ...tol, label: 'loss' });
      const grads = backward(loss);
      expectClose(grads.get(fc.weight.value)!.dataSync(), flat(fx.gradWeight), { ...tol, label: 'dW' });
      expectClose(grads.get(fc.bias!.value)!.dataSync(), flat(fx.gradBias), { ...tol, label: 'db' });
    });
    fc.dispose();
  });
});
