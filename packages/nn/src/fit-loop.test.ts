import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backward, clearTape, memory, mul, scope, sum, tensor, type Tensor } from '@cellstate/tensor';
import { expectClose } from '@cellstate/tensor/testing';
import { Linear } from './layers/linear.js';
import { mseLoss } from './losses.js';
import type { Module } from './module.js';
import { Adam } from './optim/adam.js';
import { fit } from './fit.js';
import type { TrainingTask } from './fit-loop.js';
import { useCpuBackend } from './test-setup.js';

const weights = (m: Module) => m.parameters().flatMap((p) => Array.from(p.value.dataSync()));

/** Rows of y = x0 - 2·x1, grouped into batches of different sizes (a custom batch plan). */
const rows = Array.from({ length: 12 }, (_, i) => [Math.sin(i + 1), Math.cos(3 * i)] as const);
const plan = [[0, 1, 2], [3, 4, 5, 6, 7], [8], [9, 10, 11]];
/** The plan of epoch e: rotated by e, so a resumed run must ask for the right epoch. */
const batchesOf = (epoch: number) => plan.map((_, b) => plan[(b + epoch) % plan.length]!);

/** A loss fit cannot build from a name: the squared error scaled by a per-step factor. */
function stepLoss(model: Linear, ids: readonly number[], step: number): Tensor {
  const x = tensor(ids.flatMap((i) => [...rows[i]!]), [ids.length, 2]);
  const y = tensor(ids.map((i) => rows[i]![0] - 2 * rows[i]![1]), [ids.length, 1]);
  return mul(mseLoss(model.forward(x), y), 1 + (step % 3) / 10);
}

function task(model: Linear, seen: { epoch: number; step: number }[] = []): TrainingTask<number[]> {
  return {
    stepsPerEpoch: plan.length,
    batches: batchesOf,
    loss: (ids, info) => {
      seen.push(info);
      return stepLoss(model, ids, info.step);
    },
    weight: (ids) => ids.length,
    validate: () => ({ val_sum: weights(model).reduce((s, w) => s + w * w, 0) }),
  };
}

describe('fit with a TrainingTask (a custom training step)', () => {
  beforeAll(async () => {
    await useCpuBackend();
  });
  afterEach(() => clearTape());

  it('is the hand-written loop over the task: same batches, step numbers, clipping and weights', async () => {
    const live = memory().tensors;
    const a = new Linear(2, 1, { seed: 4 });
    const b = new Linear(2, 1, { seed: 4 });
    const optA = new Adam(a, { learningRate: 0.05 });
    const optB = new Adam(b, { learningRate: 0.05 });
    const seen: { epoch: number; step: number }[] = [];
    const history = await fit(a, { ...task(a, seen), validate: undefined }, { epochs: 2, optimizer: optA, clipGradNorm: 0.5 });
    let step = 0;
    const hand: number[][] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      let total = 0;
      for (const ids of batchesOf(epoch)) {
        const loss = scope(() => {
          const l = stepLoss(b, ids, step);
          const grads = backward(l);
          const norm = Math.sqrt([...grads.values()].reduce((s, g) => s + Array.from(g.dataSync()).reduce((t: number, v: number) => t + v * v, 0), 0));
          const scale = Math.min(1, 0.5 / (norm + 1e-6));
          optB.step(new Map([...grads].map(([p, g]) => [p, mul(g, scale)])));
          return l.dataSync()[0]!;
        });
        total += loss * ids.length;
        step++;
      }
      hand.push([total / 12]);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((s) => ({ epoch: Math.floor(s / 4), step: s })));
    expect(history.steps).toBe(8);
    // The epoch's loss is the mean weighted by the task's weights (examples here).
    expectClose(history.history.loss!, hand.flat(), { rtol: 1e-5 });
    expectClose(weights(a), weights(b), { atol: 1e-6, rtol: 1e-5 });
    for (const t of [optA, optB, a, b]) t.dispose();
    expect(memory().tensors).toBe(live);
  });

  it('resumes inside an epoch (initialStep) with the uninterrupted run’s steps and weights; validate adds logs in eval mode', async () => {
    const straight = new Linear(2, 1, { seed: 9 });
    const optStraight = new Adam(straight, { learningRate: 0.05 });
    const full = await fit(straight, task(straight), { epochs: 3, optimizer: optStraight });
    expect(full.history.val_sum).toHaveLength(3);

    const resumed = new Linear(2, 1, { seed: 9 });
    const optResumed = new Adam(resumed, { learningRate: 0.05 });
    const first = await fit(resumed, task(resumed), { epochs: 3, optimizer: optResumed, callbacks: [{ onBatchEnd: (_b, logs, ctx) => void (logs.step === 6 && ctx.stop('kill')) }] });
    expect(first).toMatchObject({ epochs: 1, steps: 6, stopReason: 'kill' });
    const seen: { epoch: number; step: number }[] = [];
    const modes: boolean[] = [];
    const t = task(resumed, seen);
    const second = await fit(resumed, { ...t, validate: (e) => (modes.push(resumed.training), t.validate!(e)) }, { epochs: 3, optimizer: optResumed, initialStep: first.steps });
    expect(seen.map((s) => s.step)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(modes).toEqual([false, false]);
    expect(second).toMatchObject({ epochs: 3, steps: 12 });
    expect(weights(resumed)).toEqual(weights(straight));
    expect(second.history.val_sum).toEqual(full.history.val_sum!.slice(1));
    for (const x of [optStraight, optResumed, straight, resumed]) x.dispose();
  });

  it('a non-finite task loss stops (default) or throws, naming the step; nothing leaks', async () => {
    const live = memory().tensors;
    const model = new Linear(2, 1, { seed: 2 });
    const optimizer = new Adam(model, { learningRate: 0.05 });
    const bad: TrainingTask<number> = { stepsPerEpoch: 3, batches: () => [0, 1, 2], loss: (i) => mul(sum(model.forward(tensor([1, 2], [1, 2]))), i === 1 ? NaN : 1) };
    const stopped = await fit(model, bad, { epochs: 2, optimizer });
    expect(stopped.stopReason).toMatch(/non-finite loss \(NaN\) at epoch 1, batch 2/);
    expect(stopped).toMatchObject({ epochs: 0, steps: 1 });
    await expect(fit(model, bad, { epochs: 2, optimizer, onNonFinite: 'throw' })).rejects.toThrow(/training step 2: the loss is NaN/);
    await expect(fit(model, bad, { epochs: 2, optimizer, onNonFinite: 'throw', initialStep: 3 })).rejects.toThrow(/training step 5: the loss is NaN/);
    const skipped = await fit(model, bad, { epochs: 1, optimizer, onNonFinite: 'skip' });
    expect(skipped.steps).toBe(3);
    model.dispose();
    optimizer.dispose();
    expect(memory().tensors).toBe(live);
  });
});
