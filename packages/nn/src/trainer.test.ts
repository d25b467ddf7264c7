import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { memory, mean, mul, ready, square, sub, tensor, CellstateError } from '@cellstate/tensor';
import { Linear } from './layers/linear.js';
import { SGD } from './optim/sgd.js';
import { Trainer, NonFiniteLossError } from './trainer.js';

describe('Trainer', () => {
  beforeAll(async () => {
    await ready({ prefer: ['cpu'] });
  });

  const x = () => tensor([[1, 2], [3, 4], [5, 6]]);
  const y = () => tensor([[1], [2], [3]]);

  it('steps, clips, and leaks nothing (memory equal after steps 2 and 3)', async () => {
    const model = new Linear(2, 1, { seed: 3 });
    const trainer = new Trainer({ optimizer: new SGD(model, { learningRate: 0.01 }), clipGradNorm: 0.5 });
    const snapshots = [];
    const losses = [];
    for (let i = 0; i < 3; i++) {
      const r = await trainer.step(() => mean(square(sub(model.forward(x()), y()))));
      losses.push(r.loss);
      expect(r.gradientNorm).toBeGreaterThan(0);
      snapshots.push(memory());
    }
    expect(snapshots[2]).toEqual(snapshots[1]);
    expect(losses[2]!).toBeLessThan(losses[0]!);
    model.dispose();
    trainer.optimizer.dispose();
  });

  it('a NaN loss stops training with an error naming the step and leaves the parameters untouched', async () => {
    const model = new Linear(2, 1, { seed: 3 });
    const trainer = new Trainer({ optimizer: new SGD(model, { learningRate: 0.1 }) });
    await trainer.step(() => mean(square(sub(model.forward(x()), y()))));
    const before = Array.from(model.weight.value.dataSync());
    const bad = () => mul(mean(model.forward(x())), NaN);
    const err = await trainer.step(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(CellstateError.isInstance(err)).toBe(true);
    expect((err as NonFiniteLossError).message).toMatch(/^training step 2: the loss is NaN/);
    expect(Array.from(model.weight.value.dataSync())).toEqual(before);
    model.dispose();
    trainer.optimizer.dispose();
  });

  it("onNonFinite: 'skip' skips the update and goes on", async () => {
    const model = new Linear(2, 1, { seed: 3 });
    const trainer = new Trainer({ optimizer: new SGD(model, { learningRate: 0.1 }), onNonFinite: 'skip' });
    const before = Array.from(model.weight.value.dataSync());
    const r = await trainer.step(() => mul(mean(model.forward(x())), Infinity));
    expect(r.skipped).toBe(true);
    expect(trainer.skipped).toBe(1);
    expect(Array.from(model.weight.value.dataSync())).toEqual(before);
    const ok = await trainer.step(() => mean(square(sub(model.forward(x()), y()))));
    expect(ok.skipped).toBe(false);
    expect(Array.from(model.weight.value.dataSync())).not.toEqual(before);
    model.dispose();
    trainer.optimizer.dispose();
  });
});
