import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMany } from '@cellstate/tensor';
import { beamSearch, greedyDecode } from './decode.js';
import { makeBatch } from './batch.js';
import { decodeSeq2SeqModel } from './model-file.js';
import { useBackend } from './test-setup.js';

// The translate app's shipped model (1 layer, Q8) was written when the LSTM weights were
// named `rnn.layer0.weight_ih_l0`. The expected values below are what the code of that
// time computed from it (greedy and beam ids, the beam's log-probability, the logits).
const file = fileURLToPath(new URL('../../../apps/translate/models/en-fr.safetensors', import.meta.url));

describe('the shipped en-fr model (old parameter names)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.skipIf(!existsSync(file))('loads under the new names and translates as it did', async () => {
    const { model } = await decodeSeq2SeqModel(new Uint8Array(readFileSync(file)), 'en-fr.safetensors');
    expect(model.namedParameters().map(([n]) => n)).toContain('encoder.rnn.weight_ih_l0');
    // "i am cold .", "she is reading a book .", "we have to go home now ."
    const sources = [[5, 113, 284, 4], [34, 13, 399, 10, 149, 4], [24, 21, 7, 49, 120, 100, 4]];
    const greedy = await greedyDecode(model, makeBatch(sources.map((source) => ({ source }))), { maxLength: 20 });
    expect(greedy.map((h) => h.ids)).toEqual([[19, 22, 435, 4], [37, 5477, 23, 7463, 4], [24, 300, 730, 171, 24, 4]]);
    const best = (await beamSearch(model, makeBatch([{ source: sources[1]! }]), { beamSize: 4, maxLength: 20 }))[0]![0]!;
    expect(best.ids).toEqual([37, 5477, 23, 7463, 4]);
    expect(best.logProb).toBeCloseTo(-1.1373651248431997, 6);
    const batch = makeBatch(sources.map((source, i) => ({ source, target: greedy[i]!.ids })));
    const [logits] = await readMany([model.logits(batch)]);
    expect(logits!.length).toBe(168000);
    expect(logits![0]).toBeCloseTo(-7.517588138580322, 5);
    expect(logits![1234]).toBeCloseTo(-0.8763185143470764, 5);
    let sum = 0;
    for (const x of logits!) sum += x;
    expect(sum).toBeCloseTo(-57205.68761183694, 1);
    model.dispose();
  });
});
