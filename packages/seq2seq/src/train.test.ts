import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, decodeTrainingState, deriveSeed, encodeTrainingState, type Module } from '@cellstate/nn';
import { readMany } from '@cellstate/tensor';
import { makeBatch } from './batch.js';
import { Seq2Seq } from './seq2seq-model.js';
import { useBackend } from './test-setup.js';
import { trainStep } from './train.js';

describe('trainStep: resuming from a training checkpoint', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('ends exactly where the uninterrupted run does, dropout and teacher-forcing coins included', async () => {
    const runSeed = 7;
    const batches = [
      makeBatch([{ source: [4, 5, 6], target: [5, 7] }, { source: [6], target: [4, 6, 7] }]),
      makeBatch([{ source: [5, 4], target: [6, 6, 5] }, { source: [7, 7, 4], target: [4] }]),
    ];
    const setup = () => {
      const model = new Seq2Seq({ sourceVocabSize: 8, targetVocabSize: 8, embeddingSize: 4, hiddenSize: 6, numLayers: 2, bidirectional: true, attention: 'general', dropout: 0.3, seed: 3 });
      return { model, optimizer: new Adam(model, { learningRate: 0.01 }) };
    };
    const run = async (s: ReturnType<typeof setup>, from: number, to: number) => {
      const losses = [];
      for (let step = from; step < to; step++) {
        losses.push(trainStep(s.model, s.optimizer, batches[step % 2]!, { seed: deriveSeed(runSeed, step), teacherForcing: 0.5 }));
      }
      const values = await readMany(losses);
      for (const l of losses) l.dispose();
      return values.map((v) => v[0]!);
    };
    const weights = (m: Module) => m.namedParameters().map(([name, p]) => [name, Array.from(p.value.dataSync())]);

    const whole = setup();
    // Every random decision comes from the (run seed, step) stream: nothing hidden to save.
    expect(whole.model.randomState()).toEqual({});
    const wholeLosses = await run(whole, 0, 4);

    const first = setup();
    const firstLosses = await run(first, 0, 2);
    const bytes = await encodeTrainingState({ model: first.model, optimizer: first.optimizer, step: 2 });
    const resumed = setup();
    const { step } = await decodeTrainingState(bytes, { model: resumed.model, optimizer: resumed.optimizer });
    const resumedLosses = await run(resumed, step, 4);

    expect([...firstLosses, ...resumedLosses]).toEqual(wholeLosses);
    expect(weights(resumed.model)).toEqual(weights(whole.model));
    for (const s of [whole, first, resumed]) {
      s.model.dispose();
      s.optimizer.dispose();
    }
  });
});
