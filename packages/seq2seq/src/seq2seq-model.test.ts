import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '@cellstate/nn';
import { ArgumentError, backward, memory, noGrad, reshape, scope, slice, stack, tensor, type Tensor } from '@cellstate/tensor';
import { Attention } from './attention.js';
import { makeBatch, type IdPair } from './batch.js';
import { Seq2Seq } from './seq2seq-model.js';
import { trainStep } from './train.js';
import { randomInts, useBackend } from './test-setup.js';
import type { Seq2SeqConfig } from './config.js';

const small = (over: Partial<Seq2SeqConfig> = {}): Seq2SeqConfig => ({
  sourceVocabSize: 12,
  targetVocabSize: 13,
  embeddingSize: 6,
  hiddenSize: 8,
  dropout: 0,
  seed: 3,
  ...over,
});

function pairs(n: number, seed: number, vocab = 12): IdPair[] {
  const r = randomInts(seed);
  return Array.from({ length: n }, () => ({
    source: Array.from({ length: r(1, 6) }, () => r(4, vocab)),
    target: Array.from({ length: r(1, 6) }, () => r(4, vocab)),
  }));
}

/** Teacher-forced logits computed one step at a time through Decoder.step. */
function stepwiseLogits(model: Seq2Seq, batch: ReturnType<typeof makeBatch>): Tensor {
  return scope(() => {
    const encoded = model.encode(batch);
    const [T, B] = batch.targetIn!.shape as [number, number];
    let state = encoded.state;
    const out: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const step = model.decoder.step(reshape(slice(batch.targetIn!, [t, 0], [1, B]), [B]), state, encoded.memory, null);
      state = step.state;
      out.push(model.decoder.logits(step.output));
    }
    return stack(out, 1);
  });
}

describe('Seq2Seq', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('gives the same teacher-forced logits as one sequence and step by step (every attention, bridge, tying)', () => {
    const configs: Partial<Seq2SeqConfig>[] = [
      { attention: 'none' },
      { attention: 'dot' },
      { attention: 'general', bidirectional: true, numLayers: 2, bridge: 'sum' },
      { attention: 'general', bidirectional: true, bridge: 'concat', tieEmbeddings: true },
      { attention: 'dot', bidirectional: true, decoderHiddenSize: 16, tieEmbeddings: true, reverseSource: true },
      { attention: 'none', bidirectional: true, numLayers: 2, bridge: 'linear', hiddenSize: 8, decoderHiddenSize: 10 },
    ];
    for (const c of configs) {
      const model = new Seq2Seq(small(c));
      const batch = makeBatch(pairs(4, 7), { reverseSource: model.config.reverseSource });
      scope(() => {
        const a = noGrad(() => model.logits(batch)).dataSync();
        const b = noGrad(() => stepwiseLogits(model, batch)).dataSync();
        expect(a.length).toBe(b.length);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
      });
      batch.dispose();
      model.dispose();
    }
  });

  it('validates the configuration with ArgumentError', () => {
    expect(() => new Seq2Seq(small({ attention: 'dot', bidirectional: true }))).toThrow(/dot attention/);
    expect(() => new Seq2Seq(small({ bridge: 'sum' }))).toThrow(ArgumentError);
    expect(() => new Seq2Seq(small({ bridge: 'concat', bidirectional: true, decoderHiddenSize: 9, attention: 'none' }))).toThrow(/concat/);
    expect(() => new Seq2Seq(small({ dropout: 1 }))).toThrow(/dropout/);
    expect(() => new Seq2Seq(small({ sourceVocabSize: 3 }))).toThrow(/special/);
  });

  it('shortlist softmax over every id equals the full softmax; a real shortlist still trains', () => {
    const model = new Seq2Seq(small({ attention: 'general' }));
    const batch = makeBatch(pairs(5, 3));
    scope(() => {
      const full = noGrad(() => model.loss(batch).loss).dataSync()[0]!;
      const all = noGrad(() => model.loss(batch, { shortlist: 13 }).loss).dataSync()[0]!;
      expect(all).toBeCloseTo(full, 6);
      const partial = noGrad(() => model.loss(batch, { shortlist: 6 }).loss).dataSync()[0]!;
      expect(partial).toBeLessThan(full); // fewer competitors
    });
    batch.dispose();
    model.dispose();
  });

  it('teacher forcing below 1 feeds predictions and is reproducible from the seed', () => {
    const model = new Seq2Seq(small({ attention: 'dot', dropout: 0.3 }));
    const batch = makeBatch(pairs(4, 11));
    scope(() => {
      const a = model.loss(batch, { seed: 5, teacherForcing: 0.5 }).loss.dataSync()[0]!;
      const b = model.loss(batch, { seed: 5, teacherForcing: 0.5 }).loss.dataSync()[0]!;
      const c = model.loss(batch, { seed: 6, teacherForcing: 0.5 }).loss.dataSync()[0]!;
      expect(a).toBe(b);
      expect(a).not.toBe(c);
      const evalLoss = model.loss(batch).loss.dataSync()[0]!;
      expect(model.loss(batch).loss.dataSync()[0]!).toBe(evalLoss); // no dropout without a seed
    });
    batch.dispose();
    model.dispose();
  });

  it('a training step leaks nothing (memory identical after steps 2 and 3)', async () => {
    const model = new Seq2Seq(small({ attention: 'additive', numLayers: 2, dropout: 0.1 }));
    const optimizer = new Adam(model, { learningRate: 1e-2 });
    const batch = makeBatch(pairs(6, 2));
    const snapshots: string[] = [];
    for (let step = 0; step < 3; step++) {
      trainStep(model, optimizer, batch, { seed: step, teacherForcing: 0.5, shortlist: 8 }).dispose();
      const m = memory();
      snapshots.push(`${m.handles}/${m.bytesInUse}/${m.tensors}/${m.tapeNodes}`);
    }
    expect(snapshots[2]).toBe(snapshots[1]);
    batch.dispose();
    model.dispose();
  });

  it('gets gradients into every parameter (additive attention, bidirectional, 2 layers, tied)', () => {
    const model = new Seq2Seq(small({ attention: 'additive', bidirectional: true, numLayers: 2, tieEmbeddings: true, decoderHiddenSize: 10 }));
    const batch = makeBatch(pairs(3, 9));
    scope(() => {
      const grads = backward(model.loss(batch).loss);
      for (const [name, p] of model.namedParameters()) {
        const g = grads.get(p.value);
        expect(g, name).toBeDefined();
        expect(g!.dataSync().some((v) => v !== 0), name).toBe(true);
      }
    });
    batch.dispose();
    model.dispose();
  });
});

describe('Attention', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each(['dot', 'general', 'additive'] as const)('%s: padded positions get exactly zero weight; rows sum to 1', (kind) => {
    const attention = new Attention(kind, { querySize: 4, keySize: 4, seed: 1 });
    scope(() => {
      const r = randomInts(5);
      const B = 3;
      const S = 5;
      const values = tensor(Array.from({ length: B * S * 4 }, () => r(-100, 100) / 50), [B, S, 4]);
      const lengths = [5, 2, 1];
      const mask = tensor(lengths.flatMap((n) => Array.from({ length: S }, (_, s) => (s < n ? 1 : 0))), [B, 1, S]);
      const memory = attention.prepare(values, mask);
      const query = tensor(Array.from({ length: B * 2 * 4 }, () => r(-100, 100) / 10), [B, 2, 4]);
      const { weights, context } = attention.attend(query, memory);
      expect(weights.shape).toEqual([B, 2, S]);
      expect(context.shape).toEqual([B, 2, 4]);
      const w = weights.dataSync();
      for (let b = 0; b < B; b++)
        for (let t = 0; t < 2; t++) {
          let total = 0;
          for (let s = 0; s < S; s++) {
            const v = w[(b * 2 + t) * S + s]!;
            if (s >= lengths[b]!) expect(v).toBe(0);
            total += v;
          }
          expect(total).toBeCloseTo(1, 5);
        }
      // Values at padded positions do not reach the context.
      const noisy = tensor(values.dataSync().map((v, i) => (Math.floor(i / 4) % S >= lengths[Math.floor(i / (4 * S))]! ? v + 100 : v)), [B, S, 4]);
      const again = attention.attend(query, attention.prepare(noisy, mask)).context.dataSync();
      const before = context.dataSync();
      for (let i = 0; i < before.length; i++) expect(again[i]).toBeCloseTo(before[i]!, 5);
    });
    attention.dispose();
  });
});
