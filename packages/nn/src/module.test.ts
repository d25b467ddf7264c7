import { beforeAll, describe, expect, it } from 'vitest';
import { memory, tensor, zeros, type Tensor } from '@cellstate/tensor';
import { Module, StateDictError } from './module.js';
import { Linear } from './layers/linear.js';
import { Dropout } from './layers/dropout.js';
import { useReferenceBackend } from './test-setup.js';

class Encoder extends Module {
  fc = this.addModule('fc', new Linear(3, 4, { seed: 1 }));
  drop = this.addModule('drop', new Dropout(0.5, { seed: 2 }));
  forward(x: Tensor): Tensor {
    return this.drop.forward(this.fc.forward(x));
  }
}

class Model extends Module {
  encoder = this.addModule('encoder', new Encoder());
  head = this.addModule('head', new Linear(4, 2, { seed: 3 }));
  scale = this.addParameter('scale', tensor([1]));
}

describe('Module with nn layers', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });

  it('names parameters with PyTorch dotted names, depth first', () => {
    const m = new Model();
    expect(m.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['scale', [1]],
      ['encoder.fc.weight', [4, 3]],
      ['encoder.fc.bias', [4]],
      ['head.weight', [2, 4]],
      ['head.bias', [2]],
    ]);
    expect(m.namedModules().map(([n]) => n)).toEqual(['encoder', 'encoder.fc', 'encoder.drop', 'head']);
    m.dispose();
  });

  it('train/eval reach every child (dropout becomes the identity)', () => {
    const m = new Model().eval();
    expect(m.encoder.drop.training).toBe(false);
    const x = tensor([[1, 2, 3]]);
    const a = Array.from(m.encoder.forward(x).dataSync());
    expect(Array.from(m.encoder.forward(x).dataSync())).toEqual(a);
    expect(m.train().encoder.drop.training).toBe(true);
    m.dispose();
  });

  it('loadStateDict validates every entry before replacing anything', () => {
    const m = new Model();
    const before = m.stateDict();
    const state = new Map([...before].map(([k, t]) => [k, zeros(t.shape)]));
    state.set('head.weight', zeros([4, 2]));
    expect(() => m.loadStateDict(state)).toThrow(StateDictError);
    for (const [k, t] of m.stateDict()) expect(t).toBe(before.get(k));
    state.set('head.weight', zeros([2, 4]));
    m.loadStateDict(state);
    expect(Array.from(m.head.weight.value.dataSync())).toEqual(new Array(8).fill(0));
    m.dispose();
  });

  it('dispose releases every parameter', () => {
    const base = memory().handles;
    const m = new Model();
    expect(memory().handles).toBe(base + 5);
    m.dispose();
    expect(memory().handles).toBe(base);
  });
});
