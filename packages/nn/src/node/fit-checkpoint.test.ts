import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dataset, type Sample } from '../data/dataset.js';
import { Dropout } from '../layers/dropout.js';
import { Linear } from '../layers/linear.js';
import { Adam } from '../optim/adam.js';
import { StepLR } from '../optim/schedules.js';
import { Sequential } from '../sequential.js';
import { fit } from '../fit.js';
import { useCpuBackend } from '../test-setup.js';
import { resumeTraining, trainingCheckpoint } from './fit-checkpoint.js';

const dir = await mkdtemp(join(tmpdir(), 'cellstate-fit-checkpoint-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function data(): Dataset<Sample> {
  let s = 3;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return Dataset.from(Array.from({ length: 50 }, () => {
    const x = [r(), r(), r()];
    return { x, y: [x[0]! - 2 * x[1]! + 0.5 * x[2]!] };
  }));
}

// Dropout, Adam moments, a schedule and per-epoch shuffling: everything a resumed run
// must restore to end where the uninterrupted one does.
function setup() {
  const model = new Sequential([new Linear(3, 8, { seed: 1 }), new Dropout(0.3, { seed: 2 }), new Linear(8, 1, { seed: 3 })]);
  const optimizer = new Adam(model, { learningRate: 0.02 });
  const scheduler = new StepLR(optimizer, 2, 0.5);
  return { model, optimizer, scheduler };
}

const weights = (m: Sequential) => m.parameters().flatMap((p) => Array.from(p.value.dataSync()));

describe('trainingCheckpoint + resumeTraining', () => {
  beforeAll(async () => {
    await useCpuBackend();
  });

  it('a run stopped after 2 epochs and resumed ends with the weights of an uninterrupted 5-epoch run', async () => {
    const full = setup();
    const fullHistory = await fit(full.model, data(), { epochs: 5, batchSize: 8, loss: 'mse', optimizer: full.optimizer, scheduler: full.scheduler, seed: 9 });

    const path = join(dir, 'run.safetensors');
    const first = setup();
    await fit(first.model, data(), { epochs: 2, batchSize: 8, loss: 'mse', optimizer: first.optimizer, scheduler: first.scheduler, seed: 9, callbacks: [trainingCheckpoint(path)] });

    const second = setup();
    const initialEpoch = await resumeTraining(path, second);
    expect(initialEpoch).toBe(2);
    const resumed = await fit(second.model, data(), { epochs: 5, initialEpoch, batchSize: 8, loss: 'mse', optimizer: second.optimizer, scheduler: second.scheduler, seed: 9 });

    expect(resumed.epochs).toBe(5);
    expect(resumed.history.loss).toEqual(fullHistory.history.loss!.slice(2));
    expect(weights(second.model)).toEqual(weights(full.model));
    for (const run of [full, first, second]) {
      run.optimizer.dispose();
      run.model.dispose();
    }
  });
});
