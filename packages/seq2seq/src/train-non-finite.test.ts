import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, NonFiniteLossError } from '@cellstate/nn';
import { tensor } from '@cellstate/tensor';
import { makeBatch } from './batch.js';
import { Seq2Seq } from './seq2seq-model.js';
import { useBackend } from './test-setup.js';
import { trainStepChecked } from './train.js';

describe('trainStepChecked', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const setup = (poison: boolean) => {
    const model = new Seq2Seq({ sourceVocabSize: 8, targetVocabSize: 8, embeddingSize: 4, hiddenSize: 6, attention: 'dot', dropout: 0, seed: 3 });
    if (poison) {
      // An infinite source embedding: the forward pass turns it into a NaN loss.
      const [name, p] = model.namedParameters().find(([n]) => n === 'encoder.embedding.weight')!;
      const values = new Float32Array(p.value.size).fill(Infinity);
      model.loadStateDict(new Map([[name, tensor(values, [...p.shape])]]), { strict: false });
    }
    return { model, optimizer: new Adam(model, { learningRate: 0.01 }) };
  };
  const batch = () => makeBatch([{ source: [4, 5, 6], target: [5, 7] }, { source: [6], target: [4, 6, 7] }]);
  const weights = (m: Seq2Seq) => m.namedParameters().map(([, p]) => Array.from(p.value.dataSync()));

  it('applies a finite step like trainStep', async () => {
    const s = setup(false);
    const before = weights(s.model);
    const r = await trainStepChecked(s.model, s.optimizer, batch(), { seed: 1, step: 1 });
    expect(r.skipped).toBe(false);
    expect(Number.isFinite(r.loss) && Number.isFinite(r.gradientNorm)).toBe(true);
    expect(weights(s.model)).not.toEqual(before);
  });

  it("throws NonFiniteLossError naming the step, or skips it with onNonFinite 'skip', without touching the parameters", async () => {
    const s = setup(true);
    const before = weights(s.model);
    const e = await trainStepChecked(s.model, s.optimizer, batch(), { seed: 1, step: 42 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NonFiniteLossError);
    expect((e as NonFiniteLossError).step).toBe(42);
    expect((e as Error).message).toMatch(/training step 42/);
    const r = await trainStepChecked(s.model, s.optimizer, batch(), { seed: 1, step: 43, onNonFinite: 'skip' });
    expect(r.skipped).toBe(true);
    expect(weights(s.model)).toEqual(before);
  });
});
