import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { mul, ready, sqrt, sum, tensor } from '@cellstate/tensor';
import { Module } from './module.js';
import { SGD } from './optim/sgd.js';
import { NonFiniteLossError, Trainer } from './trainer.js';

class Root extends Module {
  // sqrt at 0: a finite loss whose gradient 1 / (2 sqrt(w)) is infinite.
  w = this.addParameter('w', tensor([0, 1]));
}

describe('Trainer without clipping', () => {
  beforeAll(async () => {
    await ready({ prefer: ['cpu'] });
  });

  it('a finite loss with an infinite gradient fails the step (naming it) before the update, or is skipped', async () => {
    const model = new Root();
    const trainer = new Trainer({ optimizer: new SGD(model, { learningRate: 0.1 }) });
    const e = await trainer.step(() => sum(mul(sqrt(model.w.value), 1))).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NonFiniteLossError);
    expect((e as Error).message).toMatch(/training step 1: the gradient norm is Infinity/);
    expect(Array.from(await model.w.value.data())).toEqual([0, 1]);
    const skipping = new Trainer({ optimizer: new SGD(model, { learningRate: 0.1 }), onNonFinite: 'skip' });
    const r = await skipping.step(() => sum(sqrt(model.w.value)));
    expect(r).toMatchObject({ step: 1, loss: 1, skipped: true });
    expect(Array.from(await model.w.value.data())).toEqual([0, 1]);
  });
});
