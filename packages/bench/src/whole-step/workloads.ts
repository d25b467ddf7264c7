import type { TranslateStepWorkload } from './translate-step.js';

/**
 * The whole-step workloads (issue 14). Shapes come from real batches (see
 * translate-data.ts); each row reports useful GFLOP/s from `translateStepFlops`.
 */
const W5: TranslateStepWorkload & { what: string } = {
  id: 'W5',
  what: 'translate training step, shipped en-fr model (E128 H256, dot attention, tied output, shortlist 2,000, batch 64, <= 12 tokens, Tatoeba batches)',
  data: { corpus: 'tatoeba', maxLength: 12, vocabSize: 8000, minFrequency: 2, batchSize: 64, batches: 20, seed: 11 },
  model: { embeddingSize: 128, hiddenSize: 256, numLayers: 1, attention: 'dot', dropout: 0.1, tieEmbeddings: true, seed: 1 },
  learningRate: 2e-3,
  shortlist: 2000,
  teacherForcing: 1,
  clipNorm: 1,
};

export const TRANSLATE_WORKLOADS: Record<'W5' | 'W5F' | 'W6', TranslateStepWorkload & { what: string }> = {
  W5,
  // The same batches (W5's file) and model with the full softmax.
  W5F: { ...W5, id: 'W5F', what: 'W5 with the full 8,000-word softmax instead of the shortlist', shortlist: 0 },
  W6: {
    id: 'W6',
    what: 'translate training step, Multi30k de-en attention configuration (bidirectional H512 encoder, additive attention, teacher forcing 0.5, full ~6k softmax, batch 128)',
    data: { corpus: 'multi30k', maxLength: 60, vocabSize: 100000, minFrequency: 2, batchSize: 128, batches: 6, seed: 12 },
    model: { embeddingSize: 256, hiddenSize: 512, numLayers: 1, bidirectional: true, bridge: 'linear', attention: 'additive', dropout: 0.5, tieEmbeddings: false, seed: 1 },
    learningRate: 1e-3,
    shortlist: 0,
    teacherForcing: 0.5,
    clipNorm: 1,
  },
};
