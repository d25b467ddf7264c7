import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '@cellstate/nn';
import { EOS_ID } from '@cellstate/text';
import { makeBatch, type IdPair } from './batch.js';
import { beamSearch, greedyDecode } from './decode.js';
import { Seq2Seq } from './seq2seq-model.js';
import { trainStep } from './train.js';
import { randomInts, useBackend } from './test-setup.js';
import type { AttentionKind } from './config.js';

/** The reverse task: target = source reversed, symbols 4..V-1. */
function reversePairs(n: number, seed: number, V: number, maxLength: number): IdPair[] {
  const r = randomInts(seed);
  return Array.from({ length: n }, () => {
    const source = Array.from({ length: r(2, maxLength + 1) }, () => r(4, V));
    return { source, target: [...source].reverse() };
  });
}

describe('decoding', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('learns the reverse task to near-zero loss quickly, and greedy decoding then solves it', async () => {
    const V = 10;
    const model = new Seq2Seq({ sourceVocabSize: V, targetVocabSize: V, embeddingSize: 16, hiddenSize: 32, attention: 'general', dropout: 0, seed: 2 });
    const optimizer = new Adam(model, { learningRate: 0.02 });
    const data = reversePairs(64, 1, V, 5);
    const batch = makeBatch(data);
    let loss = Number.POSITIVE_INFINITY;
    let steps = 0;
    for (; steps < 300 && loss > 0.02; steps++) {
      const l = trainStep(model, optimizer, batch, { seed: steps });
      loss = (await l.item());
      l.dispose();
    }
    expect(loss).toBeLessThan(0.02);
    const decoded = await greedyDecode(model, batch, { maxLength: 10 });
    const correct = decoded.filter((h, i) => h.finished && h.ids.join() === data[i]!.target.join()).length;
    expect(correct).toBeGreaterThanOrEqual(60);
    // Beam search solves it at least as well; its n-best lists are sorted.
    const beams = await beamSearch(model, batch, { beamSize: 3, nBest: 3, maxLength: 10 });
    const beamCorrect = beams.filter((list, i) => list[0]!.ids.join() === data[i]!.target.join()).length;
    expect(beamCorrect).toBeGreaterThanOrEqual(60);
    for (const list of beams) for (let k = 1; k < list.length; k++) expect(list[k - 1]!.score).toBeGreaterThanOrEqual(list[k]!.score);
    batch.dispose();
    model.dispose();
    console.log(`reverse task: loss ${loss.toFixed(4)} after ${steps} steps; greedy ${correct}/64, beam ${beamCorrect}/64 exact`);
  });

  it.each(['none', 'dot', 'additive'] as AttentionKind[])('beam search with beam 1 equals greedy decoding (%s)', async (attention) => {
    const model = new Seq2Seq({ sourceVocabSize: 15, targetVocabSize: 17, embeddingSize: 8, hiddenSize: 12, attention, numLayers: 2, dropout: 0, seed: 4 });
    const batch = makeBatch(reversePairs(9, 3, 15, 6).map((p) => ({ source: p.source })));
    const greedy = await greedyDecode(model, batch, { maxLength: 8, returnAttention: true });
    const beam = await beamSearch(model, batch, { beamSize: 1, maxLength: 8, lengthPenalty: 0.6, returnAttention: true });
    greedy.forEach((g, i) => {
      const b = beam[i]![0]!;
      expect(b.ids).toEqual(g.ids);
      expect(b.finished).toBe(g.finished);
      expect(b.logProb).toBeCloseTo(g.logProb, 5);
      if (attention !== 'none') expect(b.attention).toEqual(g.attention);
    });
    batch.dispose();
    model.dispose();
  });

  it.each(['none', 'dot', 'additive'] as AttentionKind[])('decodes each sentence of a batch as if alone, and runs only live rows (%s)', async (attention) => {
    const model = new Seq2Seq({ sourceVocabSize: 15, targetVocabSize: 17, embeddingSize: 8, hiddenSize: 12, attention, numLayers: 2, dropout: 0, seed: 6 });
    const sources = reversePairs(7, 5, 15, 7).map((p) => p.source);
    // Count the rows each decoder step runs.
    const rows: number[] = [];
    const step = model.decoder.step.bind(model.decoder);
    model.decoder.step = (ids, ...rest) => {
      rows.push(ids.shape[0]!);
      return step(ids, ...rest);
    };
    const batch = makeBatch(sources.map((source) => ({ source })));
    const K = 3;
    const maxLength = 9;
    const beams = await beamSearch(model, batch, { beamSize: K, nBest: 2, maxLength, returnAttention: attention !== 'none' });
    const beamRows = rows.splice(0);
    const greedy = await greedyDecode(model, batch, { maxLength, returnAttention: attention !== 'none' });
    const greedyRows = rows.splice(0);
    batch.dispose();
    // The first beam step has one row a sentence; after that at most K, and a stopped sentence has none.
    expect(beamRows[0]).toBe(sources.length);
    for (const n of beamRows) expect(n).toBeLessThanOrEqual(K * sources.length);
    expect(greedyRows[0]).toBe(sources.length);
    for (let t = 1; t < greedyRows.length; t++) expect(greedyRows[t]).toBeLessThanOrEqual(greedyRows[t - 1]!);
    // Rows of a stopped sentence are gone: the greedy rows at step t are the sentences still going.
    greedyRows.forEach((n, t) => expect(n).toBe(greedy.filter((h) => h.ids.length >= t).length));
    expect(greedyRows.length).toBe(Math.max(...greedy.map((h) => h.ids.length + (h.finished ? 1 : 0))));
    for (const [i, source] of sources.entries()) {
      const one = makeBatch([{ source }]);
      const [alone] = await beamSearch(model, one, { beamSize: K, nBest: 2, maxLength, returnAttention: attention !== 'none' });
      const [greedyAlone] = await greedyDecode(model, one, { maxLength, returnAttention: attention !== 'none' });
      one.dispose();
      expect(beams[i]!.map((h) => h.ids)).toEqual(alone!.map((h) => h.ids));
      beams[i]!.forEach((h, k) => {
        expect(h.logProb).toBeCloseTo(alone![k]!.logProb, 5);
        expect(h.finished).toBe(alone![k]!.finished);
        if (h.attention) h.attention.forEach((row, j) => row.forEach((w, s) => expect(w).toBeCloseTo(alone![k]!.attention![j]![s]!, 6)));
      });
      expect(greedy[i]!.ids).toEqual(greedyAlone!.ids);
      expect(greedy[i]!.logProb).toBeCloseTo(greedyAlone!.logProb, 5);
      expect(greedy[i]!.finished).toBe(greedyAlone!.finished);
    }
    model.dispose();
  });

  it('returns n-best lists, stops at maxLength, and attention rows cover the real source', async () => {
    const model = new Seq2Seq({ sourceVocabSize: 15, targetVocabSize: 17, embeddingSize: 8, hiddenSize: 12, attention: 'dot', dropout: 0, seed: 8 });
    const sources = [[5, 6, 7], [8], [9, 10, 11, 12, 13]];
    const batch = makeBatch(sources.map((source) => ({ source })));
    const lists = await beamSearch(model, batch, { beamSize: 4, nBest: 3, maxLength: 3, returnAttention: true });
    lists.forEach((list, i) => {
      expect(list.length).toBe(3);
      for (const h of list) {
        expect(h.ids.length).toBeLessThanOrEqual(3);
        expect(h.ids).not.toContain(EOS_ID);
        for (const row of h.attention!) {
          expect(row.length).toBe(sources[i]!.length + 1); // + <eos>
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        }
      }
    });
    await expect(beamSearch(model, batch, { beamSize: 0 })).rejects.toThrow(/beamSize/);
    await expect(greedyDecode(model, batch, { maxLength: 0 })).rejects.toThrow(/maxLength/);
    batch.dispose();
    model.dispose();
  });
});
