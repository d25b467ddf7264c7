import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, backward, clearTape, keep, memory, mul, noGrad, scope, sum, tensor, zeros, type Tensor } from '@cellstate/tensor';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { Linear } from '../layers/linear.js';
import { Embedding } from '../layers/embedding.js';
import { Dropout } from '../layers/dropout.js';
import { crossEntropyLoss, mseLoss } from '../losses.js';
import { Adam, AdamW } from './adam.js';
import { SGD } from './sgd.js';
import { clipGradNorm } from './clip-grad-norm.js';
import { OptimizerStateError, type Optimizer, type OptimizerState } from './optimizer.js';
import { useBackend } from '../test-setup.js';

class Tagger extends Module {
  embed = this.addModule('embed', new Embedding(10, 4, { paddingIdx: 0, seed: 1 }));
  drop = this.addModule('drop', new Dropout(0.2, { seed: 2 }));
  fc = this.addModule('fc', new Linear(4, 3, { seed: 3 }));
  forward(ids: Tensor): Tensor {
    return scope(() => this.fc.forward(this.drop.forward(this.embed.forward(ids))));
  }
}

const values = (t: Tensor) => Array.from(t.dataSync());
const copy = (t: Tensor) => keep(noGrad(() => mul(t, 1)));

describe.each(['reference', 'cpu'] as const)('Optimizer (%s backend)', (backendName) => {
  beforeAll(async () => {
    await useBackend(backendName);
  });
  afterEach(() => clearTape());

  it.each([
    ['Adam', (m: Module) => new Adam(m, { learningRate: 0.01 })],
    ['AdamW', (m: Module) => new AdamW(m, { learningRate: 0.01 })],
    ['SGD + momentum', (m: Module) => new SGD(m, { learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3 })],
  ])('a training step with %s leaks nothing: memory equal after steps 2 and 3', (_, make) => {
    const model = new Tagger();
    const optimizer: Optimizer = make(model);
    const ids = tensor([1, 4, 0, 9, 2, 2], [6], { dtype: 'int32' });
    const labels = tensor([0, 2, -100, 1, 1, 0], [6], { dtype: 'int32' });
    const trainStep = () => {
      const loss = scope(() => {
        const l = crossEntropyLoss(model.forward(ids), labels, { labelSmoothing: 0.1 });
        const { gradients } = clipGradNorm(backward(l), 1);
        optimizer.step(gradients);
        return l;
      });
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    };
    const snapshot = () => {
      const m = memory();
      return { handles: m.handles, bytesInUse: m.bytesInUse, tensors: m.tensors, tapeNodes: m.tapeNodes };
    };
    const losses = [trainStep()];
    losses.push(trainStep());
    const afterTwo = snapshot();
    losses.push(trainStep());
    expect(snapshot()).toEqual(afterTwo);
    expect(afterTwo.tapeNodes).toBe(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(optimizer.stepCount).toBe(3);
    // Disposing the optimizer and the model returns everything they owned.
    const beforeDispose = memory();
    optimizer.dispose();
    model.dispose();
    expect(memory().handles).toBeLessThan(beforeDispose.handles);
    ids.dispose();
    labels.dispose();
  });

  it.each([
    ['Adam', (m: Module) => new Adam(m, { learningRate: 0.01, weightDecay: 0.1 })],
    ['SGD + nesterov', (m: Module) => new SGD(m, { learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 })],
  ])('%s.step itself leaves nothing behind (no enclosing scope)', (_, make) => {
    const model = new Linear(3, 2, { seed: 4 });
    const optimizer = make(model);
    const grads = new Map<Tensor, Tensor>();
    const stepOnce = () => {
      grads.clear();
      for (const p of model.parameters()) grads.set(p.value, tensor(Array.from({ length: p.value.size }, (_, i) => i / 10 - 0.2), p.shape));
      optimizer.step(grads);
      for (const g of grads.values()) g.dispose();
    };
    stepOnce();
    stepOnce();
    const afterTwo = memory();
    stepOnce();
    expect(memory()).toMatchObject({ handles: afterTwo.handles, bytesInUse: afterTwo.bytesInUse, tensors: afterTwo.tensors });
    optimizer.dispose();
    model.dispose();
  });

  it('takes (name, parameter) pairs from a module or an iterable; names must be unique', () => {
    const fc = new Linear(2, 2, { seed: 1 });
    expect(new SGD(fc, { learningRate: 1 }).namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    const p = new Parameter(zeros([2]));
    expect(() => new SGD([['a', p], ['a', new Parameter(zeros([1]))]], { learningRate: 1 })).toThrow(ArgumentError);
    expect(() => new SGD([['a', p], ['b', p]], { learningRate: 1 })).toThrow(ArgumentError);
    fc.dispose();
    p.dispose();
  });

  it('updates only trainable parameters that have a gradient', () => {
    const a = new Parameter(tensor([1, 1]));
    const b = new Parameter(tensor([2, 2]));
    const frozen = new Parameter(tensor([3, 3]), { trainable: false });
    const optimizer = new SGD([['a', a], ['b', b], ['frozen', frozen]], { learningRate: 0.5 });
    const g = tensor([1, -1]);
    optimizer.step(new Map([[a.value, g], [frozen.value, g]]));
    expect(values(a.value)).toEqual([0.5, 1.5]);
    expect(values(b.value)).toEqual([2, 2]);
    expect(values(frozen.value)).toEqual([3, 3]);
    [a, b, frozen].forEach((p) => p.dispose());
    g.dispose();
  });

  it('checks every gradient before changing anything', () => {
    const a = new Parameter(tensor([1, 1]));
    const b = new Parameter(tensor([2, 2]));
    const optimizer = new SGD([['a', a], ['b', b]], { learningRate: 0.5 });
    const good = tensor([1, 1]);
    const bad = tensor([1, 1, 1]);
    expect(() => optimizer.step(new Map([[a.value, good], [b.value, bad]]))).toThrow(ShapeError);
    expect(() => optimizer.step(new Map([[a.value, good], [b.value, bad]]))).toThrow(/'b'/);
    expect(values(a.value)).toEqual([1, 1]);
    expect(optimizer.stepCount).toBe(0);
    expect(good.isDisposed || bad.isDisposed).toBe(false);
    [a, b, good, bad].forEach((t) => t.dispose());
  });

  it('learningRate can be read and set (for schedules); invalid values throw', () => {
    const optimizer = new Adam([], { learningRate: 0.1 });
    optimizer.learningRate = 0.05;
    expect(optimizer.learningRate).toBe(0.05);
    expect(optimizer.hyper.learningRate).toBe(0.05);
    expect(optimizer.stateDict().hyper.learningRate).toBe(0.05);
    expect(() => (optimizer.learningRate = -1)).toThrow(ArgumentError);
    expect(() => (optimizer.learningRate = NaN)).toThrow(ArgumentError);
  });

  describe('stateDict / loadStateDict', () => {
    function trained(make: (m: Module) => Optimizer, steps: number) {
      const model = new Linear(3, 2, { seed: 7 });
      const optimizer = make(model);
      const x = tensor([[1, 2, 3], [-1, 0.5, 2]]);
      const y = tensor([[0, 1], [1, 0]]);
      const step = () => scope(() => optimizer.step(backward(mseLoss(model.forward(x), y))));
      for (let i = 0; i < steps; i++) step();
      return { model, optimizer, step, dispose: () => [x, y].forEach((t) => t.dispose()) };
    }

    it.each([
      ['Adam', (m: Module) => new Adam(m, { learningRate: 0.05, weightDecay: 0.1 })],
      ['SGD', (m: Module) => new SGD(m, { learningRate: 0.05, momentum: 0.9, nesterov: true })],
    ])('a restored %s continues exactly like the original', (_, make) => {
      const a = trained(make, 2);
      const b = trained((m) => make(m), 0);
      // Same parameters and optimizer state in B, from copies.
      b.model.loadStateDict(new Map([...a.model.stateDict()].map(([k, t]) => [k, copy(t)])));
      const state = a.optimizer.stateDict();
      const copied: OptimizerState = {
        step: state.step,
        hyper: { ...state.hyper },
        slots: Object.fromEntries(Object.entries(state.slots).map(([k, s]) => [k, Object.fromEntries(Object.entries(s).map(([n, t]) => [n, copy(t)]))])),
      };
      b.optimizer.loadStateDict(copied);
      expect(b.optimizer.stepCount).toBe(2);
      expect(b.optimizer.hyper).toEqual(a.optimizer.hyper);
      a.step();
      b.step();
      for (const [name, t] of a.model.stateDict()) expect(values(b.model.stateDict().get(name)!)).toEqual(values(t));
      for (const [name, slots] of Object.entries(a.optimizer.stateDict().slots)) {
        for (const [slot, t] of Object.entries(slots)) expect(values(b.optimizer.stateDict().slots[name]![slot]!)).toEqual(values(t));
      }
      [a, b].forEach((r) => {
        r.optimizer.dispose();
        r.model.dispose();
        r.dispose();
      });
    });

    it('takes ownership of loaded tensors and disposes the slots it replaces', () => {
      const r = trained((m) => new Adam(m), 1);
      const old = r.optimizer.stateDict().slots.weight!.exp_avg!;
      const m = zeros([2, 3]);
      const v = zeros([2, 3]);
      r.optimizer.loadStateDict({ step: 5, hyper: {}, slots: { weight: { exp_avg: m, exp_avg_sq: v } } });
      expect(old.isDisposed).toBe(true);
      expect(r.optimizer.stateDict().slots).toEqual({ weight: { exp_avg: m, exp_avg_sq: v } });
      expect(r.optimizer.stepCount).toBe(5);
      // Reloading its own state is a no-op that disposes nothing.
      r.optimizer.loadStateDict(r.optimizer.stateDict());
      expect(m.isDisposed || v.isDisposed).toBe(false);
      r.step();
      expect(m.isDisposed).toBe(true); // replaced by the step
      r.optimizer.dispose();
      r.model.dispose();
      r.dispose();
    });

    it.each([
      ['a negative step', () => ({ step: -1, hyper: {}, slots: {} }), /step must be/],
      ['an unknown hyperparameter', () => ({ step: 1, hyper: { lr: 0.1 }, slots: {} }), /unknown hyperparameter 'lr'/],
      ['a hyperparameter of the wrong type', () => ({ step: 1, hyper: { beta1: true }, slots: {} }), /'beta1' must be a number/],
      ['an invalid hyperparameter', () => ({ step: 1, hyper: { beta1: 2 }, slots: {} }), /beta1/],
      ['AdamW state in Adam', () => ({ step: 1, hyper: { decoupledWeightDecay: true }, slots: {} }), /decoupledWeightDecay/],
      ['an unknown parameter', () => ({ step: 1, hyper: {}, slots: { 'fc.weight': { exp_avg: zeros([2, 3]), exp_avg_sq: zeros([2, 3]) } } }), /unknown parameter 'fc.weight'/],
      ['an unknown slot', () => ({ step: 1, hyper: {}, slots: { weight: { momentum_buffer: zeros([2, 3]) } } }), /unknown slot 'momentum_buffer'/],
      ['a missing slot', () => ({ step: 1, hyper: {}, slots: { weight: { exp_avg: zeros([2, 3]) } } }), /all of its slots/],
      ['a wrong shape', () => ({ step: 1, hyper: {}, slots: { bias: { exp_avg: zeros([2]), exp_avg_sq: zeros([3]) } } }), /'bias.exp_avg_sq' has the wrong shape/],
      ['a wrong dtype', () => ({ step: 1, hyper: {}, slots: { bias: { exp_avg: zeros([2]), exp_avg_sq: zeros([2], { dtype: 'int32' }) } } }), /must be float32/],
    ])('rejects %s before changing anything', (_, makeState, message) => {
      const r = trained((m) => new Adam(m, { learningRate: 0.01 }), 2);
      const before = r.optimizer.stateDict();
      const state = makeState() as OptimizerState;
      expect(() => r.optimizer.loadStateDict(state)).toThrow(OptimizerStateError);
      expect(() => r.optimizer.loadStateDict(state)).toThrow(message);
      const after = r.optimizer.stateDict();
      expect(after.step).toBe(before.step);
      expect(after.hyper).toEqual(before.hyper);
      for (const [name, slots] of Object.entries(before.slots)) {
        for (const [slot, t] of Object.entries(slots)) {
          expect(after.slots[name]![slot]).toBe(t);
          expect(t.isDisposed).toBe(false);
        }
      }
      for (const slots of Object.values(state.slots)) for (const t of Object.values(slots)) expect(t.isDisposed).toBe(false);
      r.optimizer.dispose();
      r.model.dispose();
      r.dispose();
    });
  });

  it('dispose releases the slots; a disposed optimizer cannot step', () => {
    const p = new Parameter(tensor([1, 2]));
    const optimizer = new Adam([['p', p]]);
    const g = tensor([1, 1]);
    const base = memory().handles;
    optimizer.step(new Map([[p.value, g]]));
    expect(memory().handles).toBe(base + 2);
    optimizer.dispose();
    expect(memory().handles).toBe(base);
    expect(() => optimizer.step(new Map([[p.value, g]]))).toThrow(/disposed/);
    p.dispose();
    g.dispose();
  });

  it('step works with gradients of a hand-built loss on parameters of an iterable', () => {
    const w = new Parameter(tensor([0.5, -0.5]));
    const optimizer = new SGD([['w', w]], { learningRate: 0.1 });
    scope(() => optimizer.step(backward(sum(mul(w.value, w.value)))));
    expect(values(w.value)).toEqual([0.4, -0.4].map(Math.fround));
    w.dispose();
  });
});
