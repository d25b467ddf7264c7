import { resolveConfig, type Seq2SeqConfig } from '@cellstate/seq2seq';

/** Output columns of one batch: the shortlist plus the batch's target ids at or above it (or the vocabulary). */
export function candidateCount(shortlist: number, vocabSize: number, pairs: readonly { target: readonly number[] }[]): number {
  if (!(shortlist > 0 && shortlist < vocabSize)) return vocabSize;
  const extra = new Set<number>();
  for (const p of pairs) for (const id of p.target) if (id >= shortlist) extra.add(id);
  return shortlist + extra.size;
}

/**
 * Useful matmul flops of one translation training step on one batch (forward x 3), the
 * formula of python/seq2seq_torch.py `step_flops` (see its docstring): encoder and decoder
 * LSTM gates over padded steps, the linear bridge, attention (scores, context,
 * projections), the combine layer, a tied projection and the output layer over the
 * candidate columns. Elementwise work, Adam and the clipping norm are not counted.
 */
export function translateStepFlops(config: Seq2SeqConfig, shortlist: number, pairs: readonly { source: readonly number[]; target: readonly number[] }[]): number {
  const c = resolveConfig(config);
  const B = pairs.length;
  const S = Math.max(...pairs.map((p) => p.source.length)) + 1;
  const T = Math.max(...pairs.map((p) => p.target.length)) + 1;
  const { embeddingSize: E, hiddenSize: He, decoderHiddenSize: Hd, numLayers: L } = c;
  const D = c.bidirectional ? 2 : 1;
  const K = D * He;
  let f = 0;
  for (let l = 0; l < L; l++) f += D * 2 * 4 * He * ((l === 0 ? E : D * He) + He) * S * B;
  if (c.bridge === 'linear') f += 2 * L * 2 * K * Hd * B;
  for (let l = 0; l < L; l++) f += 2 * 4 * Hd * ((l === 0 ? E + (c.attention === 'additive' ? K : 0) : Hd) + Hd) * T * B;
  if (c.attention === 'dot') f += 2 * 2 * B * T * S * K;
  else if (c.attention === 'general') f += 2 * B * S * K * Hd + 2 * 2 * B * T * S * K;
  else if (c.attention === 'additive') f += 2 * B * S * K * Hd + 2 * B * T * Hd * Hd + 2 * B * T * S * Hd + 2 * B * T * S * K;
  if (c.attention !== 'none') f += 2 * B * T * (K + Hd) * Hd;
  if (c.tieEmbeddings && Hd !== E) f += 2 * B * T * Hd * E;
  f += 2 * B * T * (c.tieEmbeddings ? E : Hd) * candidateCount(shortlist, c.targetVocabSize, pairs);
  return 3 * f;
}
