import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, backward, clearTape, memory, scope, tensor, zeros, type Tensor } from '@cellstate/tensor';
import { Module } from './module.js';
import { Linear } from './layers/linear.js';
import { Dropout } from './layers/dropout.js';
import { AllSteps, LastStep, type RecurrentOutput } from './layers/sequence.js';
import { Sequential } from './sequential.js';
import { summary, summaryRows } from './summary.js';
import { useReferenceBackend } from './test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

/** A stand-in recurrent layer: returns { output, h, c } as LSTM does, from fixed values, and records the context it got. */
class FakeRecurrent extends Module {
  contexts: unknown[] = [];
  constructor(
    readonly outputValues: number[][][],
    readonly hValues: number[][][],
  ) {
    super();
  }
  forward(_x: Tensor, context?: unknown): RecurrentOutput {
    this.contexts.push(context);
    return { output: tensor(this.outputValues), h: tensor(this.hValues), c: tensor(this.hValues) };
  }
}

describe('Sequential, LastStep, AllSteps', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });
  afterEach(() => clearTape());

  it('composes layers as nested calls and names parameters 0.weight, 2.bias, ...', () => {
    const fc1 = new Linear(3, 4, { seed: 1 });
    const fc2 = new Linear(4, 2, { seed: 2 });
    const model = new Sequential([fc1, new Dropout(0.5, { seed: 3 }), fc2]).eval();
    const x = tensor([[1, -2, 0.5], [0, 1, 3]]);
    const expected = fc2.forward(fc1.forward(x));
    expectClose(model.forward(x).dataSync(), expected.dataSync(), { atol: 1e-6, rtol: 1e-6 });
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(model.parameterCount()).toBe(3 * 4 + 4 + 4 * 2 + 2);
    expect(() => new Sequential([])).toThrow(ArgumentError);
  });

  it('releases intermediates and trains: gradients reach every layer', () => {
    const model = new Sequential([new Linear(2, 3, { seed: 1 }), new Linear(3, 1, { seed: 2 })]);
    const x = tensor([[1, 2]]);
    const before = memory();
    model.forward(x).dispose();
    expect(memory()).toMatchObject({ tensors: before.tensors, handles: before.handles });
    scope(() => {
      const grads = backward(model.forward(x));
      for (const p of model.parameters()) expect(grads.get(p.value), 'gradient').toBeDefined();
    });
  });

  it('LastStep after a recurrent layer: top layer final state, directions concatenated', () => {
    // 2 layers x 2 directions, B = 1, H = 2: h rows l0, l0_rev, l1, l1_rev.
    const h = [[[1, 2]], [[3, 4]], [[5, 6]], [[7, 8]]];
    const output = [[[0, 0, 0, 0]], [[9, 9, 9, 9]]]; // [T = 2, B = 1, D·H = 4]
    const rnn = new FakeRecurrent(output, h);
    const model = new Sequential([rnn, new LastStep()]);
    const y = model.forward(zeros([1, 2, 1]), { lengths: [2] });
    expect(y.shape).toEqual([1, 4]);
    expectClose(y.dataSync(), [5, 6, 7, 8], { atol: 1e-6, rtol: 1e-6 });
    expect(rnn.contexts).toEqual([{ lengths: [2] }]);
  });

  it('without LastStep, the next layer gets the recurrent output; AllSteps passes it on', () => {
    const output = [[[1, 2]], [[3, 4]], [[5, 6]]]; // [T = 3, B = 1, H = 2]
    const h = [[[5, 6]]];
    const a = new Sequential([new FakeRecurrent(output, h), new AllSteps()]).forward(zeros([1]));
    expectClose(a.dataSync(), output.flat(2), { atol: 1e-6, rtol: 1e-6 });
    const b = new Sequential([new FakeRecurrent(output, h)]).forward(zeros([1]));
    expectClose(b.dataSync(), output.flat(2), { atol: 1e-6, rtol: 1e-6 });
  });

  it('LastStep on a tensor picks step lengths[b] - 1 of each sample, batch-first or time-major', () => {
    // x[b][t] = [10·b + t, -(10·b + t)]
    const B = 3;
    const T = 4;
    const values = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => [10 * b + t, -(10 * b + t)]));
    const lengths = [4, 1, 2];
    const expected = lengths.flatMap((len, b) => values[b]![len - 1]!);
    expectClose(new LastStep().forward(tensor(values), { lengths }).dataSync(), expected, { atol: 1e-6, rtol: 1e-6 });
    const timeMajor = Array.from({ length: T }, (_, t) => values.map((row) => row[t]!));
    expectClose(new LastStep({ batchFirst: false }).forward(tensor(timeMajor), { lengths: tensor(lengths, [3], { dtype: 'int32' }) }).dataSync(), expected, { atol: 1e-6, rtol: 1e-6 });
    expectClose(new LastStep().forward(tensor(values)).dataSync(), values.flatMap((row) => row[T - 1]!), { atol: 1e-6, rtol: 1e-6 });
    expect(() => new LastStep().forward(tensor(values), { lengths: [4, 0, 2] })).toThrow(ArgumentError);
    expect(() => new LastStep().forward(tensor([1, 2]))).toThrow(ShapeError);
  });

  it('LastStep gradient flows only into the picked steps', () => {
    const x = tensor([[[1], [2], [3]], [[4], [5], [6]]]);
    x.requiresGrad = true;
    scope(() => {
      const g = backward(new LastStep().forward(x, { lengths: [2, 3] })).get(x)!;
      expectClose(g.dataSync(), [0, 1, 0, 0, 0, 1], { atol: 1e-6, rtol: 1e-6 });
    });
  });

  it('summary: layers, output shapes, parameters and totals', () => {
    const model = new Sequential([new Linear(2, 4, { seed: 1 }), new Dropout(0.2, { seed: 2 }), new Linear(4, 1, { seed: 3 })]);
    model.parameters()[0]!.setTrainable(false);
    const { rows, total, trainable } = summaryRows(model, { inputShape: [5, 2] });
    expect(rows).toEqual([
      { layer: '0 (Linear)', outputShape: [5, 4], parameters: 12 },
      { layer: '1 (Dropout)', outputShape: [5, 4], parameters: 0 },
      { layer: '2 (Linear)', outputShape: [5, 1], parameters: 5 },
    ]);
    expect([total, trainable]).toEqual([17, 9]);
    expect(model.training).toBe(true);
    const text = summary(model, { inputShape: [5, 2] });
    expect(text).toMatch(/0 \(Linear\)\s+\[5, 4\]\s+12/);
    expect(text).toContain('Total params: 17 (trainable 9)');
    expect(summary(model)).not.toContain('Output shape');
  });

  it('summary of a plain module lists its children and its own parameters; shared weights count once', () => {
    class Tied extends Module {
      scale = this.addParameter('scale', tensor([1, 2, 3]));
      fc = this.addModule('fc', new Linear(3, 3, { seed: 1 }));
      again = this.addModule('again', this.fc);
    }
    const { rows, total } = summaryRows(new Tied());
    expect(rows.map((r) => [r.layer, r.parameters])).toEqual([['(own) Tied', 3], ['fc (Linear)', 12], ['again (Linear)', 12]]);
    expect(total).toBe(15);
  });
});
