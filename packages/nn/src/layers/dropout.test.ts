import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, backward, clearTape, memory, noGrad, ones, scope, tensor } from '@cellstate/tensor';
import { Dropout } from './dropout.js';
import { useReferenceBackend } from '../test-setup.js';

describe('Dropout', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });
  afterEach(() => clearTape());

  it('zeroes about p of the elements and scales the rest by 1/(1-p), keeping the mean', () => {
    const drop = new Dropout(0.3, { seed: 4 });
    const x = tensor(Array.from({ length: 20000 }, (_, i) => 1 + (i % 7)), [100, 200]);
    const y = Array.from(drop.forward(x).dataSync());
    const xs = Array.from(x.dataSync());
    let dropped = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] === 0) dropped++;
      else expect(y[i]).toBeCloseTo(xs[i]! / 0.7, 5);
    }
    expect(Math.abs(dropped / y.length - 0.3)).toBeLessThan(0.015);
    const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
    const meanY = y.reduce((a, b) => a + b, 0) / y.length;
    expect(Math.abs(meanY / meanX - 1)).toBeLessThan(0.02);
  });

  it('is the identity in eval mode and for p = 0', () => {
    const x = tensor([1, -2, 3, 4]);
    const drop = new Dropout(0.5, { seed: 1 }).eval();
    expect(Array.from(drop.forward(x).dataSync())).toEqual([1, -2, 3, 4]);
    expect(drop.calls).toBe(0);
    expect(Array.from(new Dropout(0, { seed: 1 }).forward(x).dataSync())).toEqual([1, -2, 3, 4]);
    drop.train();
    expect(drop.forward(ones([1000])).dataSync().some((v) => v === 0)).toBe(true);
  });

  it('draws a new mask per call, reproducibly from the seed', () => {
    const x = ones([64]);
    const a = new Dropout(0.5, { seed: 9 });
    const b = new Dropout(0.5, { seed: 9 });
    const a1 = Array.from(a.forward(x).dataSync());
    const a2 = Array.from(a.forward(x).dataSync());
    expect(a1).not.toEqual(a2);
    expect(Array.from(b.forward(x).dataSync())).toEqual(a1);
    expect(Array.from(b.forward(x).dataSync())).toEqual(a2);
    expect(Array.from(new Dropout(0.5, { seed: 10 }).forward(x).dataSync())).not.toEqual(a1);
  });

  it('p = 1 gives zeros; p outside [0, 1] throws', () => {
    expect(Array.from(new Dropout(1, { seed: 1 }).forward(tensor([1, 2])).dataSync())).toEqual([0, 0]);
    expect(() => new Dropout(1.5)).toThrow(ArgumentError);
    expect(() => new Dropout(-0.1)).toThrow(ArgumentError);
  });

  it('the gradient is the mask scaled by 1/(1-p)', () => {
    const x = tensor(Array.from({ length: 50 }, (_, i) => i + 1));
    x.requiresGrad = true;
    const drop = new Dropout(0.4, { seed: 2 });
    scope(() => {
      const y = drop.forward(x);
      const out = Array.from(noGrad(() => y.dataSync()));
      const g = Array.from(backward(y, { inputs: [x] }).get(x)!.dataSync());
      out.forEach((v, i) => expect(g[i]).toBeCloseTo(v === 0 ? 0 : 1 / 0.6, 5));
    });
  });

  it('leaves nothing behind', () => {
    const drop = new Dropout(0.5, { seed: 1 });
    const x = ones([8, 8]);
    const before = memory();
    drop.forward(x).dispose();
    drop.eval().forward(x).dispose();
    expect(memory()).toMatchObject({ handles: before.handles, bytesInUse: before.bytesInUse, tensors: before.tensors });
  });
});
