import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backward, clearTape, memory, mul, reshape, scope, sum, tensor, type Tensor } from '@cellstate/tensor';
import { Dataset, collate, type Sample } from './data/dataset.js';
import { Linear } from './layers/linear.js';
import { mseLoss } from './losses.js';
import { Module } from './module.js';
import { Adam } from './optim/adam.js';
import { Sequential } from './sequential.js';
import { earlyStopping, progressLogger } from './callbacks.js';
import { evaluate, fit, predict } from './fit.js';
import { useCpuBackend } from './test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

/** y = 2·x0 - 3·x1 + 1, exactly. */
function linearData(n: number, seed = 1): Dataset<Sample> {
  let s = seed;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return Dataset.from(Array.from({ length: n }, () => {
    const x = [r(), r()];
    return { x, y: [2 * x[0]! - 3 * x[1]! + 1] };
  }));
}

const weights = (m: Module) => m.parameters().flatMap((p) => Array.from(p.value.dataSync()));

describe('fit, evaluate, predict', () => {
  beforeAll(async () => {
    await useCpuBackend();
  });
  afterEach(() => clearTape());

  it('is the hand-written loop: same batches, same updates, same weights', async () => {
    const data = linearData(20);
    const a = new Linear(2, 1, { seed: 3 });
    const b = new Linear(2, 1, { seed: 3 });
    const optA = new Adam(a, { learningRate: 0.05 });
    const optB = new Adam(b, { learningRate: 0.05 });
    await fit(a, data, { epochs: 3, batchSize: 8, loss: 'mse', optimizer: optA, shuffle: false });
    for (let epoch = 0; epoch < 3; epoch++) {
      for (let start = 0; start < 20; start += 8) {
        const { x, y } = collate(data.slice(start, start + 8).toArray());
        scope(() => optB.step(backward(mseLoss(b.forward(x), y))));
        x.dispose();
        y.dispose();
      }
    }
    expectClose(weights(a), weights(b), { atol: 1e-6, rtol: 1e-5 });
    for (const t of [optA, optB, a, b]) t.dispose();
  });

  it('initialStep continues a run stopped inside an epoch: the same weights as the uninterrupted run', async () => {
    const data = linearData(30);
    const options = { epochs: 3, batchSize: 8, loss: 'mse' as const, seed: 5 }; // 4 shuffled batches an epoch
    const straight = new Linear(2, 1, { seed: 3 });
    const optStraight = new Adam(straight, { learningRate: 0.05 });
    await fit(straight, data, { ...options, optimizer: optStraight });
    // Stopped after 6 steps (epoch 2, batch 2), then continued with the same model and optimizer.
    const resumed = new Linear(2, 1, { seed: 3 });
    const optResumed = new Adam(resumed, { learningRate: 0.05 });
    let steps = 0;
    const first = await fit(resumed, data, { ...options, optimizer: optResumed, callbacks: [{ onBatchEnd: (_b, _l, ctx) => void (++steps === 6 && ctx.stop('stopped')) }] });
    expect(first).toMatchObject({ epochs: 1, stopReason: 'stopped' });
    const batches: number[] = [];
    const second = await fit(resumed, data, { ...options, optimizer: optResumed, initialStep: 6, callbacks: [{ onBatchEnd: (b) => void batches.push(b) }] });
    expect(batches).toEqual([2, 3, 0, 1, 2, 3]);
    expect(second.epochs).toBe(3);
    expect(second.history.loss).toHaveLength(2);
    expect(weights(resumed)).toEqual(weights(straight));
    await expect(fit(resumed, data, { ...options, initialStep: 1, initialEpoch: 1 })).rejects.toThrow(/initialEpoch or initialStep/);
    for (const t of [optStraight, optResumed, straight, resumed]) t.dispose();
  });

  it('learns, reports per-epoch logs with validationSplit and metrics, and leaks nothing', async () => {
    const model = new Sequential([new Linear(2, 1, { seed: 1 })]);
    const optimizer = new Adam(model, { learningRate: 0.05 });
    const before = memory();
    const lines: string[] = [];
    const history = await fit(model, linearData(200), {
      epochs: 30,
      batchSize: 16,
      loss: 'mse',
      optimizer,
      validationSplit: 0.25,
      metrics: ['rmse', 'mae'],
      seed: 4,
      callbacks: [progressLogger({ log: (l) => lines.push(l) })],
    });
    expect(Object.keys(history.history).sort()).toEqual(['loss', 'mae', 'rmse', 'val_loss', 'val_mae', 'val_rmse']);
    expect(history.epochs).toBe(30);
    const loss = history.history.loss!;
    expect(loss[29]!).toBeLessThan(loss[0]! / 2);
    expect(history.history.val_rmse![29]!).toBeLessThan(history.history.val_rmse![0]! / 2);
    expect(lines).toHaveLength(30);
    expect(lines[0]).toMatch(/^epoch 1\/30 {2}loss \d/);
    optimizer.dispose(); // its moments are the only tensors fit may leave
    expect(memory()).toMatchObject({ tensors: before.tensors, handles: before.handles, tapeNodes: 0 });
    model.dispose();
  });

  it('evaluate and predict agree with a plain-JS computation on the model outputs', async () => {
    const model = new Linear(2, 1, { seed: 9 });
    const data = linearData(37, 5);
    const before = memory();
    const predicted = await predict(model, data, { batchSize: 10 });
    const { loss, metrics } = await evaluate(model, data, { loss: 'mse', metrics: ['rmse', 'mae', 'mape'], batchSize: 10, denormalize: (v) => v.map((z) => z * 10 + 3) });
    expect(memory()).toMatchObject({ tensors: before.tensors, handles: before.handles });
    const [w0, w1, b] = weights(model);
    const expected = data.toArray().map((s) => (s.x as number[])[0]! * w0! + (s.x as number[])[1]! * w1! + b!);
    expectClose(predicted, expected, { atol: 1e-5, rtol: 1e-5 });
    const targets = data.toArray().map((s) => (s.y as number[])[0]!);
    const errors = expected.map((p, i) => p - targets[i]!);
    expectClose([loss], [errors.reduce((a, e) => a + e * e, 0) / 37], { atol: 1e-5, rtol: 1e-5 });
    // Metrics in data units: errors scale by 10.
    expectClose([metrics.rmse!], [10 * Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / 37)], { atol: 1e-4, rtol: 1e-5 });
    expectClose([metrics.mae!], [(10 * errors.reduce((a, e) => a + Math.abs(e), 0)) / 37], { atol: 1e-4, rtol: 1e-5 });
    expect(await predict(model, [[1, 0]])).toEqual(Float32Array.of(w0! + b!));
    model.dispose();
  });

  it('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    // Validation wants the opposite sign: val_loss only rises as training fits the data.
    const train = linearData(64);
    const validation = train.map((s) => ({ x: s.x, y: (s.y as number[]).map((v) => -v) }));
    const model = new Linear(2, 1, { seed: 2 });
    const optimizer = new Adam(model, { learningRate: 0.05 });
    const perEpoch: number[][] = [];
    const stopper = earlyStopping({ patience: 2 });
    const history = await fit(model, train, {
      epochs: 50,
      batchSize: 16,
      loss: 'mse',
      optimizer,
      validation,
      callbacks: [{ onEpochEnd: () => void perEpoch.push(weights(model)) }, stopper],
    });
    const val = history.history.val_loss!;
    const bestEpoch = val.indexOf(Math.min(...val));
    expect(stopper.bestEpoch).toBe(bestEpoch);
    expect(history.epochs).toBe(bestEpoch + 3);
    expect(history.stopReason).toMatch(/early stopping: 'val_loss' has not improved for 2 epochs/);
    expect(weights(model)).toEqual(perEpoch[bestEpoch]);
    expect(weights(model)).not.toEqual(perEpoch[perEpoch.length - 1]);
    optimizer.dispose();
    model.dispose();
  });

  it('stops on a non-finite loss without applying that step; throws with onNonFinite: throw', async () => {
    const model = new Linear(2, 1, { seed: 2 });
    let calls = 0;
    const poisoned = (p: Tensor, t: Tensor) => (++calls === 3 ? mul(mseLoss(p, t), NaN) : mseLoss(p, t));
    const seen: number[][] = [];
    const history = await fit(model, linearData(40), {
      epochs: 5,
      batchSize: 10,
      loss: poisoned,
      optimizer: 'sgd',
      learningRate: 0.1,
      shuffle: false,
      callbacks: [{ onBatchEnd: () => void seen.push(weights(model)) }],
    });
    expect(history.stopReason).toMatch(/^non-finite loss \(NaN\) at epoch 1, batch 3/);
    expect(history.epochs).toBe(0);
    expect(weights(model)).toEqual(seen[1]);
    calls = 0;
    await expect(fit(model, linearData(40), { epochs: 1, batchSize: 10, loss: poisoned, onNonFinite: 'throw' })).rejects.toThrow(/loss is NaN/);
    model.dispose();
  });

  it('an aborted signal ends training after the current step', async () => {
    const model = new Linear(2, 1, { seed: 2 });
    const controller = new AbortController();
    let batches = 0;
    const history = await fit(model, linearData(100), {
      epochs: 3,
      batchSize: 10,
      loss: 'mse',
      signal: controller.signal,
      callbacks: [{ onBatchEnd: (i) => (batches++, i === 1 ? controller.abort() : undefined) }],
    });
    expect([batches, history.epochs, history.stopReason]).toEqual([2, 0, 'aborted']);
    model.dispose();
  });

  it('classification: crossEntropy gets int32 labels, accuracy and f1 from the argmax', async () => {
    // Class = which of three inputs is largest: learnable by a linear layer.
    let s = 7;
    const r = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const data = Dataset.from(Array.from({ length: 150 }, () => {
      const x = [r(), r(), r()];
      return { x, y: x.indexOf(Math.max(...x)) };
    }));
    const model = new Linear(3, 3, { seed: 1 });
    const history = await fit(model, data, { epochs: 40, batchSize: 16, loss: 'crossEntropy', optimizer: new Adam(model, { learningRate: 0.05 }), metrics: ['accuracy', 'f1'] });
    const { metrics } = await evaluate(model, data, { metrics: ['accuracy'] });
    const predicted = await predict(model, data);
    const labels = data.toArray().map((d) => d.y as number);
    let correct = 0;
    labels.forEach((y, i) => {
      const row = Array.from(predicted.slice(3 * i, 3 * i + 3));
      if (row.indexOf(Math.max(...row)) === y) correct++;
    });
    expect(metrics.accuracy).toBeCloseTo(correct / 150, 12);
    expect(history.history.accuracy![39]!).toBeGreaterThan(0.85);
    expect(history.history.f1![39]!).toBeGreaterThan(0.8);
    model.dispose();
  });

  it('variable-length inputs are padded and their lengths reach forward', async () => {
    class LastValue extends Module {
      seen: unknown[] = [];
      widths: number[] = [];
      scale = this.addParameter('scale', tensor([0.5]));
      forward(x: Tensor, options?: { lengths?: number[] }): Tensor {
        this.seen.push(options?.lengths);
        this.widths.push(x.shape[1]!);
        return mul(sum(reshape(x, [x.shape[0]!, -1]), 1, { keepDims: true }), this.scale.value);
      }
    }
    const model = new LastValue();
    const data = Dataset.from([{ x: [1, 2, 3], y: [6] }, { x: [4], y: [4] }]);
    await predict(model, data);
    expect(model.seen).toEqual([[3, 1]]);
    // bucketBy: the two long and the two short sequences share batches, so neither
    // batch is padded (and none needs lengths).
    model.seen = [];
    model.widths = [];
    const mixed = Dataset.from([[1, 2, 3], [1], [4, 5, 6], [2]].map((x) => ({ x, y: [x.reduce((a, b) => a + b, 0)] })));
    await fit(model, mixed, { epochs: 1, batchSize: 2, loss: 'mse', optimizer: 'sgd', bucketBy: (s) => (s.x as number[]).length });
    expect(model.seen).toEqual([undefined, undefined]);
    expect([...model.widths].sort()).toEqual([1, 3]);
    model.dispose();
  });
});
