import '@cellstate/backend-cpu';
import { ready, tensor } from '@cellstate/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { Module } from '../module.js';
import { CheckpointError } from './errors.js';
import { serializeSafetensors } from './safetensors.js';
import { decodeInto, decodeTrainingState, encodeModel, encodeTrainingState } from './state.js';

class Tiny extends Module {
  weight = this.addParameter('weight', tensor([[1, 2], [3, 4]]));
  bias = this.addParameter('bias', tensor([0.5, -0.5]));
}

function file(weight: number[], bias: number[], metadata: Record<string, string> = {}): Uint8Array {
  return serializeSafetensors(
    new Map([
      ['weight', { dtype: 'F32' as const, shape: [2, 2], data: new Float32Array(weight) }],
      ['bias', { dtype: 'F32' as const, shape: [2], data: new Float32Array(bias) }],
    ]),
    metadata,
  );
}

async function rejection(p: Promise<unknown>): Promise<CheckpointError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(CheckpointError);
  return e as CheckpointError;
}

beforeAll(async () => {
  await ready();
});

describe('non-finite weights', () => {
  it.each([NaN, Infinity, -Infinity])('decodeInto refuses %s, naming the tensor and the file, and leaves the model as it was', async (bad) => {
    const m = new Tiny();
    const e = await rejection(decodeInto(m, file([1, 2, 3, 4], [0, bad]), { source: 'm.safetensors' }));
    expect(e.code).toBe('non-finite');
    expect(e.tensor).toBe('bias');
    expect(e.message).toMatch(/'bias'.*m\.safetensors/);
    expect(Array.from(await m.bias.value.data())).toEqual([0.5, -0.5]);
  });

  it('allowNonFinite loads them', async () => {
    const m = new Tiny();
    await decodeInto(m, file([1, 2, 3, 4], [0, NaN]), { allowNonFinite: true });
    expect(Array.from(await m.bias.value.data())[1]).toBeNaN();
  });

  it('encodeModel and encodeTrainingState refuse a diverged model unless allowed', async () => {
    const m = new Tiny();
    await decodeInto(m, file([1, Infinity, 3, 4], [0, 0]), { allowNonFinite: true });
    expect((await rejection(encodeModel(m))).tensor).toBe('weight');
    expect((await rejection(encodeTrainingState({ model: m, step: 3 }))).code).toBe('non-finite');
    const bytes = await encodeTrainingState({ model: m, step: 3, allowNonFinite: true });
    expect((await rejection(decodeTrainingState(bytes, { model: new Tiny(), source: 'ckpt' }))).message).toMatch(/'weight'.*ckpt/);
    await expect(encodeModel(m, { allowNonFinite: true })).resolves.toBeInstanceOf(Uint8Array);
  });
});
