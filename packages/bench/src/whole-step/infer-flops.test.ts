import { describe, expect, it } from 'vitest';
import type { Seq2SeqConfig } from '@cellstate/seq2seq';
import { decodeRowFlops, encodeFlops, sentimentPassFlops } from './infer-flops.js';
import { translateStepFlops } from './translate-flops.js';

const base = { sourceVocabSize: 50, targetVocabSize: 70, embeddingSize: 6, hiddenSize: 5, numLayers: 2 } as const;

describe('inference flops', () => {
  // A training step's forward over T target steps is the encoder once and T·B decoder rows:
  // the inference counts must add up to translate-flops.ts's count (forward x 3) for every configuration.
  const configs: Seq2SeqConfig[] = [
    { ...base, attention: 'dot', tieEmbeddings: false, bidirectional: false },
    { ...base, attention: 'general', bidirectional: true, decoderHiddenSize: 7 },
    { ...base, attention: 'additive', bidirectional: true, tieEmbeddings: true, decoderHiddenSize: 9 },
    { ...base, attention: 'none', tieEmbeddings: true, embeddingSize: 5 },
  ];
  for (const config of configs) {
    it(`encoder + T·B decoder rows = a training step's forward (${config.attention}${config.tieEmbeddings ? ', tied' : ''}${config.bidirectional ? ', bidirectional' : ''})`, () => {
      const pairs = [
        { source: [4, 5, 6], target: [7, 8] },
        { source: [9], target: [10, 11, 12, 13] },
        { source: [4, 4, 4, 4, 4], target: [5] },
      ];
      const S = 6; // longest source + <eos>
      const T = 5; // longest target + <bos>/<eos>
      const step = translateStepFlops(config, 0, pairs);
      expect(encodeFlops(config, S, pairs.length) + T * pairs.length * decodeRowFlops(config, S)).toBe(step / 3);
    });
  }

  it('W8S counts the LSTM gates of every real token (one <unk> for an empty text) and the head, once', () => {
    const modelConfig = { embeddingDim: 4, hiddenSize: 3, bidirectional: true, numLayers: 1, pooling: ['mean', 'max'], numLabels: 3 };
    const ids = [[5, 6, 7], [], [8, 9]];
    const calls = [{ items: [0, 1] }, { items: [2] }];
    const tokens = 3 + 1 + 2;
    const lstm = 2 * tokens * 2 * 4 * 3 * (4 + 3); // directions · tokens · 2·4H·(E + H)
    const head = 3 * 2 * (2 * 2 * 3) * 3; // texts · 2 · features · labels
    expect(sentimentPassFlops({ modelConfig, calls, ids } as unknown as Parameters<typeof sentimentPassFlops>[0])).toBe(lstm + head);
  });
});
