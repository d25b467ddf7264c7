/**
 * W5/W6: one whole training step of the translation model (loss, backward, clipping,
 * Adam) on real batches, the way `pnpm translate train` runs it.
 */
import { Adam, deriveSeed } from '@cellstate/nn';
import { Seq2Seq, trainStep, type Seq2SeqConfig } from '@cellstate/seq2seq';
import { translateBatches, toSeq2SeqBatches, type TranslateDataSpec } from './translate-data.js';
import { translateStepFlops } from './translate-flops.js';

export interface TranslateStepWorkload {
  id: 'W5' | 'W5F' | 'W6';
  data: TranslateDataSpec;
  model: Omit<Seq2SeqConfig, 'sourceVocabSize' | 'targetVocabSize'>;
  learningRate: number;
  /** Shortlist softmax size (0 = full softmax over the target vocabulary). */
  shortlist: number;
  teacherForcing: number;
  clipNorm: number;
}

/** Sets up the model, optimizer and batches; returns one step as a function (cycling through the batches). */
export function translateStep(w: TranslateStepWorkload): { step: () => Promise<void>; batches: number; tokensPerStep: number; sequencesPerStep: number; flopsPerStep: number; parameters: number; dispose: () => void } {
  const file = translateBatches(w.id === 'W5F' ? 'W5' : w.id, w.data);
  const batches = toSeq2SeqBatches(file, w.model.reverseSource ?? false);
  const config = { ...w.model, sourceVocabSize: file.sourceVocabSize, targetVocabSize: file.targetVocabSize };
  const model = new Seq2Seq(config);
  const flops = file.batches.reduce((f, pairs) => f + translateStepFlops(config, w.shortlist, pairs), 0) / file.batches.length;
  const optimizer = new Adam(model, { learningRate: w.learningRate });
  let i = 0;
  const tokens = batches.reduce((n, b) => n + b.targetTokens, 0) / batches.length;
  return {
    batches: batches.length,
    tokensPerStep: tokens,
    sequencesPerStep: w.data.batchSize,
    flopsPerStep: flops,
    parameters: model.parameterCount(),
    step: async () => {
      const batch = batches[i % batches.length]!;
      const loss = trainStep(model, optimizer, batch, { seed: deriveSeed(1, 1_000_000 + i), teacherForcing: w.teacherForcing, clipNorm: w.clipNorm, shortlist: w.shortlist });
      i++;
      await loss.data();
      loss.dispose();
    },
    dispose: () => {
      batches.forEach((b) => b.dispose());
      model.dispose();
    },
  };
}
