import { beforeAll, describe, expect, it } from 'vitest';
import { Embedding } from './layers/embedding.js';
import { Linear } from './layers/linear.js';
import { normal, orthogonal, uniform } from './init.js';
import { manualSeed } from './seed.js';
import { initializationSkipped, withoutInitialization } from './skip-init.js';
import { useReferenceBackend } from './test-setup.js';

const values = (m: { parameters(): { value: { dataSync(): ArrayLike<number> } }[] }) => m.parameters().flatMap((p) => Array.from(p.value.dataSync()));

describe('withoutInitialization', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });

  it('gives zeros from every initialiser inside, and the default seed sequence goes on as if they had drawn', () => {
    manualSeed(3);
    const skipped = withoutInitialization(() => {
      expect(initializationSkipped()).toBe(true);
      return [new Linear(4, 3), new Embedding(6, 2), uniform([5], -1, 1), normal([5]), orthogonal([3, 3])];
    });
    expect(initializationSkipped()).toBe(false);
    const after = new Linear(2, 2);
    for (const m of skipped) expect((m instanceof Linear || m instanceof Embedding ? values(m) : Array.from(m.dataSync())).every((v) => v === 0)).toBe(true);
    // The same builds drawing their numbers: the module after them gets the same values.
    manualSeed(3);
    const drawn = [new Linear(4, 3), new Embedding(6, 2), uniform([5], -1, 1), normal([5]), orthogonal([3, 3])];
    const reference = new Linear(2, 2);
    expect(values(drawn[0] as Linear).some((v) => v !== 0)).toBe(true);
    expect(values(after)).toEqual(values(reference));
  });

  it('ends the scope when the build throws', () => {
    expect(() => withoutInitialization(() => { throw new Error('bad config'); })).toThrow('bad config');
    expect(initializationSkipped()).toBe(false);
  });
});
