import { ArgumentError } from '@cellstate/tensor';

/**
 * Attention of the decoder over the encoder outputs.
 * - `none`: the decoder sees only the encoder's final states (Sutskever et al. 2014).
 * - `dot`: Luong et al. 2015 score hᵀ·m (needs decoder hidden = encoder output size).
 * - `general`: Luong score hᵀ·W·m.
 * - `additive`: Bahdanau et al. 2015 score vᵀ·tanh(W·s + U·m), computed from the
 *   previous decoder state; the context is also fed to the decoder LSTM's input.
 */
export type AttentionKind = 'none' | 'dot' | 'general' | 'additive';

/**
 * How the encoder's final (h, c) of each layer become the decoder's initial state.
 * - `identity`: passed as they are (unidirectional encoder, equal hidden sizes).
 * - `sum`: forward + backward states (bidirectional, equal hidden sizes).
 * - `concat`: [forward; backward] (bidirectional, decoder hidden = 2 × encoder hidden).
 * - `linear`: h = tanh(W_h·[fwd; bwd] + b), c = W_c·[fwd; bwd] + b (any sizes).
 */
export type BridgeKind = 'identity' | 'sum' | 'concat' | 'linear';

/** Architecture of a `Seq2Seq` model; saved with the model. */
export interface Seq2SeqConfig {
  sourceVocabSize: number;
  targetVocabSize: number;
  /** Embedding size of both sides (default 256). */
  embeddingSize?: number;
  /** Encoder hidden size per direction (default 256). */
  hiddenSize?: number;
  /** Decoder hidden size (default: 2 × hiddenSize with the `concat` bridge, else hiddenSize). */
  decoderHiddenSize?: number;
  /** LSTM layers of the encoder and of the decoder (default 1). */
  numLayers?: number;
  /** Bidirectional encoder (default false). */
  bidirectional?: boolean;
  /** Default 'dot'. */
  attention?: AttentionKind;
  /** Default: 'linear' for a bidirectional encoder or differing sizes, else 'identity'. */
  bridge?: BridgeKind;
  /** Dropout on embeddings, between LSTM layers and before the output layer (default 0.2). */
  dropout?: number;
  /**
   * Share the target embedding with the output layer (Press & Wolf 2017). When the
   * decoder's output size differs from the embedding size a Linear projects to it first.
   */
  tieEmbeddings?: boolean;
  /** Feed the source reversed (Sutskever et al.); helps models without attention (default false). */
  reverseSource?: boolean;
  /** Seed of the initial weights (default 0). */
  seed?: number;
}

export type ResolvedSeq2SeqConfig = Required<Seq2SeqConfig>;

/**
 * Largest sizes a model file may declare. Far above any model this package trains;
 * they exist so that a hostile file cannot make a loader multiply its way to a
 * multi-gigabyte allocation before the weights are looked at.
 */
export const SEQ2SEQ_LIMITS = {
  /** Vocabulary entries per side. */
  vocabSize: 10_000_000,
  /** Embedding and hidden sizes. */
  size: 65_536,
  numLayers: 64,
  /** Parameters in all (about 4 GB of float32). */
  parameters: 1_000_000_000,
} as const;

/**
 * The number of parameters `new Seq2Seq(config)` allocates, computed without
 * allocating anything; loaders compare it with the weights a file holds before
 * building the model.
 */
export function seq2seqParameterCount(config: ResolvedSeq2SeqConfig): number {
  const c = config;
  const D = c.bidirectional ? 2 : 1;
  const He = c.hiddenSize;
  const Hd = c.decoderHiddenSize;
  const E = c.embeddingSize;
  const K = D * He;
  // One LSTM layer per direction: weight_ih [4H, in], weight_hh [4H, H], bias_ih and bias_hh [4H].
  const lstm = (input: number, H: number, directions: number) => directions * (4 * H * input + 4 * H * H + 8 * H);
  let n = c.sourceVocabSize * E;
  for (let l = 0; l < c.numLayers; l++) n += lstm(l === 0 ? E : K, He, D);
  if (c.bridge === 'linear') n += 2 * (K * Hd + Hd);
  n += c.targetVocabSize * E;
  for (let l = 0; l < c.numLayers; l++) n += lstm(l === 0 ? (c.attention === 'additive' ? E + K : E) : Hd, Hd, 1);
  if (c.attention === 'general') n += K * Hd;
  if (c.attention === 'additive') n += Hd * Hd + (K * Hd + Hd) + Hd;
  if (c.attention !== 'none') n += (K + Hd) * Hd;
  n += c.tieEmbeddings ? (Hd === E ? 0 : Hd * E) + c.targetVocabSize : Hd * c.targetVocabSize + c.targetVocabSize;
  return n;
}

/** Fills defaults and checks that the options fit together; throws `ArgumentError`. */
export function resolveConfig(config: Seq2SeqConfig): ResolvedSeq2SeqConfig {
  const bidirectional = config.bidirectional ?? false;
  const hiddenSize = config.hiddenSize ?? 256;
  const requestedBridge = config.bridge;
  const decoderHiddenSize = config.decoderHiddenSize ?? (requestedBridge === 'concat' ? 2 * hiddenSize : hiddenSize);
  const bridge: BridgeKind = requestedBridge ?? (bidirectional || decoderHiddenSize !== hiddenSize ? 'linear' : 'identity');
  const r: ResolvedSeq2SeqConfig = {
    sourceVocabSize: config.sourceVocabSize,
    targetVocabSize: config.targetVocabSize,
    embeddingSize: config.embeddingSize ?? 256,
    hiddenSize,
    decoderHiddenSize,
    numLayers: config.numLayers ?? 1,
    bidirectional,
    attention: config.attention ?? 'dot',
    bridge,
    dropout: config.dropout ?? 0.2,
    tieEmbeddings: config.tieEmbeddings ?? false,
    reverseSource: config.reverseSource ?? false,
    seed: config.seed ?? 0,
  };
  const op = 'Seq2Seq';
  for (const key of ['sourceVocabSize', 'targetVocabSize', 'embeddingSize', 'hiddenSize', 'decoderHiddenSize', 'numLayers'] as const) {
    if (!Number.isInteger(r[key]) || r[key] < 1) throw new ArgumentError(op, `${key} must be a positive integer, got ${r[key]}`);
  }
  if (r.sourceVocabSize < 4 || r.targetVocabSize < 4) throw new ArgumentError(op, 'vocabularies need at least the 4 special tokens');
  if (!(r.dropout >= 0 && r.dropout < 1)) throw new ArgumentError(op, `dropout must be in [0, 1), got ${r.dropout}`);
  if (!['none', 'dot', 'general', 'additive'].includes(r.attention)) throw new ArgumentError(op, `attention must be none, dot, general or additive, got ${String(r.attention)}`);
  if (!Number.isSafeInteger(r.seed) || r.seed < 0) throw new ArgumentError(op, `seed must be a non-negative integer, got ${r.seed}`);
  const D = r.bidirectional ? 2 : 1;
  const He = r.hiddenSize;
  const Hd = r.decoderHiddenSize;
  switch (r.bridge) {
    case 'identity':
      if (D !== 1 || He !== Hd) throw new ArgumentError(op, `bridge 'identity' needs a unidirectional encoder and decoderHiddenSize = hiddenSize; use 'linear'`);
      break;
    case 'sum':
      if (D !== 2 || He !== Hd) throw new ArgumentError(op, `bridge 'sum' needs a bidirectional encoder and decoderHiddenSize = hiddenSize`);
      break;
    case 'concat':
      if (D !== 2 || Hd !== 2 * He) throw new ArgumentError(op, `bridge 'concat' needs a bidirectional encoder and decoderHiddenSize = 2 × hiddenSize`);
      break;
    case 'linear':
      break;
    default:
      throw new ArgumentError(op, `bridge must be identity, sum, concat or linear, got ${String(r.bridge)}`);
  }
  if (r.attention === 'dot' && D * He !== Hd) {
    throw new ArgumentError(op, `dot attention needs decoderHiddenSize (${Hd}) = encoder output size (${D * He}); use 'general'`);
  }
  return r;
}
