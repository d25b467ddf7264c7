import { resolveConfig, type Seq2SeqConfig } from '@cellstate/seq2seq';
import { sentimentStepFlops } from './sentiment-data.js';
import type { SentimentInferFile } from './infer-data.js';

/*
 * Useful matmul flops of the inference workloads, counted on the model as written (the
 * same count for every system): a system that skips work (cellstate folds the sentiment
 * model's embedding into its LSTM's input projection) gets credit for the work it saved,
 * so its GFLOP/s is "effective". The conventions are translate-flops.ts's: LSTM gates,
 * attention and the linear layers; elementwise work, softmax and top-k not counted.
 */

/**
 * W8S: one pass, the network forward over every text's real tokens (sentimentStepFlops / 3;
 * a text with no ids is one <unk>).
 */
export function sentimentPassFlops(file: Pick<SentimentInferFile, 'modelConfig' | 'calls' | 'ids'>): number {
  const lengths = file.calls.flatMap((c) => c.items.map((i) => Math.max(1, file.ids[i]!.length)));
  return sentimentStepFlops(file.modelConfig as unknown as Parameters<typeof sentimentStepFlops>[0], { lengths }) / 3;
}

/** W8T: the encoder over one batch of B sources padded to S steps (<eos> included), the bridge and a memory projection. */
export function encodeFlops(config: Seq2SeqConfig, S: number, B: number): number {
  const c = resolveConfig(config);
  const { embeddingSize: E, hiddenSize: He, decoderHiddenSize: Hd, numLayers: L } = c;
  const D = c.bidirectional ? 2 : 1;
  const K = D * He;
  let f = 0;
  for (let l = 0; l < L; l++) f += D * 2 * 4 * He * ((l === 0 ? E : D * He) + He) * S * B;
  if (c.bridge === 'linear') f += 2 * L * 2 * K * Hd * B;
  if (c.attention === 'general' || c.attention === 'additive') f += 2 * B * S * K * Hd;
  return f;
}

/** W8T: one decoder step of one beam row over a memory of S steps, through the output layer over the whole vocabulary. */
export function decodeRowFlops(config: Seq2SeqConfig, S: number): number {
  const c = resolveConfig(config);
  const { embeddingSize: E, hiddenSize: He, decoderHiddenSize: Hd, numLayers: L } = c;
  const K = (c.bidirectional ? 2 : 1) * He;
  let f = 0;
  for (let l = 0; l < L; l++) f += 2 * 4 * Hd * ((l === 0 ? E + (c.attention === 'additive' ? K : 0) : Hd) + Hd);
  if (c.attention === 'dot' || c.attention === 'general') f += 2 * 2 * S * K;
  else if (c.attention === 'additive') f += 2 * Hd * Hd + 2 * S * Hd + 2 * S * K;
  if (c.attention !== 'none') f += 2 * (K + Hd) * Hd;
  if (c.tieEmbeddings && Hd !== E) f += 2 * Hd * E;
  f += 2 * (c.tieEmbeddings ? E : Hd) * c.targetVocabSize;
  return f;
}
