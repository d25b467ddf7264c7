import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@cellstate/tensor';
import { CosineAnnealingLR, ReduceLROnPlateau, StepLR, type ReduceLROnPlateauOptions } from './schedules.js';
import { labelled, loadPytorchFixture } from '../test-setup.js';

const target = (learningRate = 0.1) => ({ learningRate });

function sequence(step: () => void, t: { learningRate: number }, steps: number): number[] {
  const out = [t.learningRate];
  for (let i = 0; i < steps; i++) {
    step();
    out.push(t.learningRate);
  }
  return out;
}

/** Plain-JS ReduceLROnPlateau, transcribed from PyTorch's step(). */
function plateauReference(metrics: number[], o: Required<ReduceLROnPlateauOptions>, lr: number): number[] {
  let best = o.mode === 'min' ? Infinity : -Infinity;
  let bad = 0;
  let cooldown = 0;
  const out = [lr];
  const better = (a: number) =>
    o.mode === 'min'
      ? o.thresholdMode === 'rel' ? a < best * (1 - o.threshold) : a < best - o.threshold
      : o.thresholdMode === 'rel' ? a > best * (1 + o.threshold) : a > best + o.threshold;
  for (const m of metrics) {
    if (better(m)) {
      best = m;
      bad = 0;
    } else bad++;
    if (cooldown > 0) {
      cooldown--;
      bad = 0;
    }
    if (bad > o.patience) {
      const next = Math.max(lr * o.factor, o.minLr);
      if (lr - next > o.eps) lr = next;
      cooldown = o.cooldown;
      bad = 0;
    }
    out.push(lr);
  }
  return out;
}

const fx = loadPytorchFixture().schedules;

describe('StepLR', () => {
  it('follows base · gamma^⌊epoch / stepSize⌋ and matches torch StepLR', () => {
    const t = target();
    const s = new StepLR(t, 3, 0.5);
    const lrs = sequence(() => s.step(), t, 10);
    lrs.forEach((lr, epoch) => expect(lr).toBeCloseTo(0.1 * 0.5 ** Math.floor(epoch / 3), 15));
    lrs.forEach((lr, i) => expect(lr).toBeCloseTo(fx.stepLR.lrs[i], 15));
    expect(s.lastEpoch).toBe(10);
  });

  it('rejects bad arguments', () => {
    expect(() => new StepLR(target(), 0)).toThrow(ArgumentError);
    expect(() => new StepLR(target(), 2, -1)).toThrow(ArgumentError);
  });
});

describe('CosineAnnealingLR', () => {
  it('equals the closed form and torch CosineAnnealingLR (including past tMax)', () => {
    const t = target();
    const s = new CosineAnnealingLR(t, 6, 0.001);
    const lrs = sequence(() => s.step(), t, 15);
    lrs.forEach((lr, epoch) => expect(lr).toBeCloseTo(0.001 + ((0.1 - 0.001) * (1 + Math.cos((Math.PI * epoch) / 6))) / 2, 15));
    lrs.forEach((lr, i) => expect(Math.abs(lr - fx.cosine.lrs[i])).toBeLessThan(1e-12));
    expect(lrs[6]).toBeCloseTo(0.001, 15);
    expect(lrs[3]).toBeCloseTo((0.1 + 0.001) / 2, 15);
  });

  it('state round-trips as plain numbers', () => {
    const t1 = target();
    const a = new CosineAnnealingLR(t1, 10);
    for (let i = 0; i < 4; i++) a.step();
    const state = a.stateDict();
    expect(state).toEqual({ lastEpoch: 4, baseLearningRate: 0.1 });
    const t2 = target(t1.learningRate);
    const b = new CosineAnnealingLR(t2, 10);
    b.loadStateDict(JSON.parse(JSON.stringify(state)));
    a.step();
    b.step();
    expect(t2.learningRate).toBe(t1.learningRate);
    expect(() => b.loadStateDict({ lastEpoch: -1, baseLearningRate: 1 })).toThrow(ArgumentError);
    expect(() => b.loadStateDict({ lastEpoch: 1 })).toThrow(/baseLearningRate/);
  });
});

describe('ReduceLROnPlateau', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  it.each(labelled(fx.plateau, (c: any) => JSON.stringify(c.options)))('matches torch and the plain-JS reference: %s', (_: string, c: any) => {
    const t = target();
    const s = new ReduceLROnPlateau(t, c.options);
    const metrics: number[] = c.metrics;
    let i = 0;
    const lrs = sequence(() => s.step(metrics[i++]!), t, metrics.length);
    const reference = plateauReference(metrics, { eps: 1e-8, ...c.options }, 0.1);
    lrs.forEach((lr, k) => expect(lr).toBeCloseTo(reference[k]!, 15));
    lrs.forEach((lr, k) => expect(lr).toBeCloseTo(c.lrs[k], 15));
  });

  it('respects patience, cooldown and minLr (hand-worked sequence)', () => {
    const t = target(1);
    const s = new ReduceLROnPlateau(t, { patience: 1, factor: 0.5, cooldown: 1, minLr: 0.3 });
    const lrs = sequence(() => s.step(5), t, 8);
    // epoch 1 sets best; 2, 3 bad -> reduce at 3; cooldown eats 4; 5, 6 bad -> reduce (clamped at 0.3); ...
    expect(lrs).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3]);
  });

  it('state is JSON-safe plain numbers and round-trips', () => {
    const t1 = target();
    const a = new ReduceLROnPlateau(t1, { patience: 1 });
    expect(a.stateDict()).toEqual({ lastEpoch: 0, numBadEpochs: 0, cooldownCounter: 0 });
    a.step(3);
    a.step(4);
    const state = a.stateDict();
    expect(state).toEqual({ lastEpoch: 2, best: 3, numBadEpochs: 1, cooldownCounter: 0 });
    const t2 = target();
    const b = new ReduceLROnPlateau(t2, { patience: 1 });
    b.loadStateDict(JSON.parse(JSON.stringify(state)));
    a.step(4);
    b.step(4);
    expect(t2.learningRate).toBe(t1.learningRate);
    expect(t2.learningRate).toBeCloseTo(0.01, 15);
    b.loadStateDict({ lastEpoch: 0, numBadEpochs: 0, cooldownCounter: 0 });
    expect(b.best).toBe(Infinity);
  });

  it('rejects bad options and metrics', () => {
    expect(() => new ReduceLROnPlateau(target(), { factor: 1 })).toThrow(ArgumentError);
    expect(() => new ReduceLROnPlateau(target(), { patience: -1 })).toThrow(ArgumentError);
    expect(() => new ReduceLROnPlateau(target(), { mode: 'up' as 'min' })).toThrow(ArgumentError);
    expect(() => new ReduceLROnPlateau(target()).step('1' as unknown as number)).toThrow(ArgumentError);
  });
});
