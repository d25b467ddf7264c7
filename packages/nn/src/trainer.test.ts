import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { memory, mean, mul, ready, square, sub, tensor, CellstateError, type Tensor } from '@cellstate/tensor';
import { Linear } from './layers/linear.js';
import { Dropout } from './layers/dropout.js';
import { Module } from './module.js';
import { Adam } from './optim/adam.js';
import { SGD } from './optim/sgd.js';
import { decodeTrainingState, encodeTrainingState } from './checkpoint/state.js';
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

  it('a run resumed from a training checkpoint ends exactly where the uninterrupted run does (dropout included)', async () => {
    class Net extends Module {
      fc1 = this.addModule('fc1', new Linear(2, 16, { seed: 5 }));
      drop = this.addModule('drop', new Dropout(0.5, { seed: 6 }));
      fc2 = this.addModule('fc2', new Linear(16, 1, { seed: 7 }));
      forward(t: Tensor) {
        return this.fc2.forward(this.drop.forward(this.fc1.forward(t)));
      }
    }
    const setup = () => {
      const model = new Net();
      return { model, trainer: new Trainer({ optimizer: new Adam(model, { learningRate: 0.05 }), clipGradNorm: 1 }) };
    };
    const run = async (s: ReturnType<typeof setup>, steps: number) => {
      const losses: number[] = [];
      for (let i = 0; i < steps; i++) losses.push((await s.trainer.step(() => mean(square(sub(s.model.forward(x()), y()))))).loss);
      return losses;
    };
    const weights = (m: Module) => m.namedParameters().map(([name, p]) => [name, Array.from(p.value.dataSync())]);

    const whole = setup();
    const wholeLosses = await run(whole, 6);

    const first = setup();
    const firstLosses = await run(first, 3);
    const bytes = await encodeTrainingState({ model: first.model, optimizer: first.trainer.optimizer, step: 3 });
    const resumed = setup(); // a new process: fresh model, optimizer, dropout counters
    expect(await decodeTrainingState(bytes, { model: resumed.model, optimizer: resumed.trainer.optimizer })).toEqual({ step: 3 });
    expect(resumed.model.randomState()).toEqual({ drop: 3 });
    const resumedLosses = await run(resumed, 3);

    expect([...firstLosses, ...resumedLosses]).toEqual(wholeLosses); // bitwise
    expect(weights(resumed.model)).toEqual(weights(whole.model));
    for (const s of [whole, first, resumed]) {
      s.model.dispose();
      s.trainer.optimizer.dispose();
    }
  });
});
