import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, memory, ones, tensor, zeros, type Tensor } from '@cellstate/tensor';
import { Module, RandomStateError, StateDictError } from './module.js';
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

  describe('randomState / setRandomState', () => {
    class TwoDrops extends Module {
      encoder = this.addModule('encoder', new Encoder());
      drop = this.addModule('drop', new Dropout(0.3, { seed: 5 }));
      head = this.addModule('head', new Linear(4, 2, { seed: 3 }));
    }
    const masks = (d: Dropout, n: number) => Array.from({ length: n }, () => Array.from(d.forward(ones([32])).dataSync()));

    it('lists every dropout by path (none for layers that draw nothing) and counts its draws', () => {
      const m = new TwoDrops();
      expect(m.randomState()).toEqual({ 'encoder.drop': 0, drop: 0 });
      m.encoder.forward(tensor([[1, 2, 3]]));
      m.encoder.forward(tensor([[1, 2, 3]]));
      m.drop.forward(ones([2]));
      m.eval().drop.forward(ones([2])); // eval: no mask drawn
      expect(m.randomState()).toEqual({ 'encoder.drop': 2, drop: 1 });
      expect(new Linear(2, 2, { seed: 1 }).randomState()).toEqual({});
      expect(new Dropout(0.5, { seed: 1 }).randomState()).toEqual({ '': 0 }); // '' is the module itself
      m.dispose();
    });

    it('round trip (through JSON): a restored module draws the masks the original draws next', () => {
      const a = new TwoDrops();
      masks(a.drop, 3);
      masks(a.encoder.drop, 1);
      const saved = JSON.parse(JSON.stringify(a.randomState())) as Record<string, number>;
      const b = new TwoDrops();
      b.setRandomState(saved);
      expect(b.randomState()).toEqual({ 'encoder.drop': 1, drop: 3 });
      expect(b.drop.calls).toBe(3);
      const next = masks(a.drop, 2);
      expect(masks(b.drop, 2)).toEqual(next);
      // without the restore a fresh module replays the first masks instead
      const c = new TwoDrops();
      expect(masks(c.drop, 2)).not.toEqual(next);
      const d = new Dropout(0.5, { seed: 8 });
      d.setRandomState({ '': 7 });
      expect(d.calls).toBe(7);
      for (const m of [a, b, c]) m.dispose();
    });

    it('rejects unknown paths, missing entries and bad positions, naming them, before changing anything', () => {
      const m = new TwoDrops();
      const check = (state: unknown, message: RegExp, path?: string) => {
        let error: unknown;
        try {
          m.setRandomState(state as Record<string, number>);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ArgumentError);
        expect((error as Error).message).toMatch(message);
        if (path !== undefined) {
          expect(error).toBeInstanceOf(RandomStateError);
          expect((error as RandomStateError).path).toBe(path);
        }
        expect(m.randomState()).toEqual({ 'encoder.drop': 0, drop: 0 });
      };
      check({ 'encoder.drop': 4, drop: 1, 'decoder.drop': 2 }, /module 'decoder.drop': no such module; expected one of 'encoder.drop', 'drop'/, 'decoder.drop');
      check({ 'encoder.drop': 4, drop: 1, head: 2 }, /module 'head': draws no random numbers/, 'head');
      check({ 'encoder.drop': 4, drop: -1 }, /module 'drop': the position must be a non-negative integer; got -1/, 'drop');
      check({ 'encoder.drop': 1.5, drop: 1 }, /module 'encoder.drop': the position must be a non-negative integer; got 1.5/, 'encoder.drop');
      check({ 'encoder.drop': '3', drop: 1 }, /got "3"/, 'encoder.drop');
      check({ 'encoder.drop': 4 }, /module 'drop': has no entry/, 'drop');
      check([1, 2], /must be an object/);
      check(null, /must be an object/);
      expect(() => new Dropout(0.5, { seed: 1 }).setRandomState({ '': NaN })).toThrow(/the module itself: the position must be a non-negative integer/);
      // strict: false ignores unknown paths and keeps missing ones, but still checks values
      m.setRandomState({ drop: 6, 'decoder.drop': 2 }, { strict: false });
      expect(m.randomState()).toEqual({ 'encoder.drop': 0, drop: 6 });
      expect(() => m.setRandomState({ drop: -2 }, { strict: false })).toThrow(RandomStateError);
      m.dispose();
    });

    it('a module registered under two paths has one stream: the entries must agree', () => {
      class Shared extends Module {
        a: Dropout;
        constructor() {
          super();
          this.a = this.addModule('a', new Dropout(0.5, { seed: 1 }));
          this.addModule('b', this.a);
        }
      }
      const m = new Shared();
      expect(m.randomState()).toEqual({ a: 0, b: 0 });
      expect(() => m.setRandomState({ a: 1, b: 2 })).toThrow(/module 'b': is the same module as 'a', which is given position 1/);
      m.setRandomState({ a: 2, b: 2 });
      expect(m.a.calls).toBe(2);
    });
  });
});
