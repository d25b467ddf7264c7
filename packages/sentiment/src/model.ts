import { LSTM } from '@cellstate/lstm';
import { Dropout, Embedding, Linear, Module } from '@cellstate/nn';
import { ArgumentError, concat, div, max, reshape, scope, slice, sum, tensor, transpose, where, type Tensor } from '@cellstate/tensor';

/** How the LSTM's outputs over time become one vector per text. */
export type Pooling = 'last' | 'mean' | 'max';

/** The architecture of a `SentimentModel` (JSON-safe; stored with the weights). */
export interface SentimentModelConfig {
  vocabSize: number;
  numLabels: number;
  /** Word-vector size (default 100). */
  embeddingDim?: number;
  /** LSTM hidden size per direction (default 64). */
  hiddenSize?: number;
  /** Stacked LSTM layers (default 1). */
  numLayers?: number;
  /** Read the text both ways (default true). */
  bidirectional?: boolean;
  /**
   * One pooling or several, concatenated (default ['mean', 'max']). `last` takes the
   * final state after each text's last real word (both directions' final states
   * when bidirectional); `mean` and `max` ignore padding.
   */
  pooling?: Pooling | Pooling[];
  /** Dropout on the pooled vector (default 0.5). */
  dropout?: number;
  /** Dropout on the word vectors (default 0.25). */
  embeddingDropout?: number;
  /** Seed of initialisation and dropout masks (default 1). */
  seed?: number;
}

export type ResolvedModelConfig = Required<Omit<SentimentModelConfig, 'pooling'>> & { pooling: Pooling[] };

export function resolveModelConfig(config: SentimentModelConfig): ResolvedModelConfig {
  const pooling = config.pooling === undefined ? (['mean', 'max'] as Pooling[]) : Array.isArray(config.pooling) ? [...config.pooling] : [config.pooling];
  const r: ResolvedModelConfig = {
    vocabSize: config.vocabSize,
    numLabels: config.numLabels,
    embeddingDim: config.embeddingDim ?? 100,
    hiddenSize: config.hiddenSize ?? 64,
    numLayers: config.numLayers ?? 1,
    bidirectional: config.bidirectional ?? true,
    pooling,
    dropout: config.dropout ?? 0.5,
    embeddingDropout: config.embeddingDropout ?? 0.25,
    seed: config.seed ?? 1,
  };
  for (const k of ['vocabSize', 'embeddingDim', 'hiddenSize', 'numLayers'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new ArgumentError('SentimentModel', `${k} must be a positive integer, got ${r[k]}`);
  }
  if (!Number.isInteger(r.numLabels) || r.numLabels < 2) throw new ArgumentError('SentimentModel', `numLabels must be an integer >= 2, got ${r.numLabels}`);
  if (pooling.length === 0 || pooling.some((p) => p !== 'last' && p !== 'mean' && p !== 'max')) {
    throw new ArgumentError('SentimentModel', `pooling must be 'last', 'mean' or 'max' (or a list of them), got ${JSON.stringify(config.pooling)}`);
  }
  return r;
}

/** A padded batch in the model's layout: ids [T, B] (time-major) and each text's length. */
export interface ModelBatch {
  /** int32 [T, B]; padding is id 0. */
  ids: Tensor;
  /** Real length of each text, every one at least 1. */
  lengths: readonly number[] | Int32Array;
}

/**
 * Embedding (padding id 0) -> dropout -> (bi)LSTM over each text's real length ->
 * pooling (last / mean / max, padding ignored) -> dropout -> linear classifier. Returns
 * logits [B, numLabels]; `softmax` of them are the probabilities.
 *
 * @example
 * ```ts
 * const model = new SentimentModel({ vocabSize: 5000, numLabels: 3, pooling: ['mean', 'max'] });
 * const logits = model.forward({ ids: tensor(ids, [T, B], { dtype: 'int32' }), lengths }); // [B, 3]
 * ```
 */
export class SentimentModel extends Module {
  readonly config: ResolvedModelConfig;
  readonly embedding: Embedding;
  readonly embeddingDropout: Dropout;
  readonly lstm: LSTM;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: SentimentModelConfig) {
    super();
    const c = resolveModelConfig(config);
    this.config = c;
    this.embedding = this.addModule('embedding', new Embedding(c.vocabSize, c.embeddingDim, { paddingIdx: 0, seed: c.seed * 31 + 1 }));
    this.embeddingDropout = this.addModule('embedding_dropout', new Dropout(c.embeddingDropout, { seed: c.seed * 31 + 2 }));
    this.lstm = this.addModule(
      'lstm',
      new LSTM({ inputSize: c.embeddingDim, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, seed: c.seed * 31 + 3, forgetBias: 1, dropout: c.numLayers > 1 ? c.dropout / 2 : 0 }),
    );
    this.dropout = this.addModule('dropout', new Dropout(c.dropout, { seed: c.seed * 31 + 4 }));
    this.classifier = this.addModule('classifier', new Linear(this.featureSize, c.numLabels, { seed: c.seed * 31 + 5 }));
  }

  /** Size of the pooled vector fed to the classifier. */
  get featureSize(): number {
    const c = this.config;
    return c.pooling.length * c.hiddenSize * (c.bidirectional ? 2 : 1);
  }

  /** Pooled text vectors [B, featureSize] (before the final dropout). */
  features(batch: ModelBatch): Tensor {
    const c = this.config;
    const [T, B] = batch.ids.shape as [number, number];
    const lengths = Array.from(batch.lengths);
    if (lengths.length !== B) throw new ArgumentError('SentimentModel.forward', `lengths has ${lengths.length} entries for a batch of ${B}`);
    if (lengths.some((n) => !Number.isInteger(n) || n < 1 || n > T)) {
      throw new ArgumentError('SentimentModel.forward', `every length must be in [1, ${T}] (an empty text is encoded as one <unk>), got [${lengths.join(', ')}]`);
    }
    const backend = batch.ids.backend;
    return scope(() => {
      // Without embedding dropout (eval), the LSTM reads its input gates from the
      // embedding folded into its input projection (when no gradient is wanted).
      const dropping = this.embeddingDropout.training && this.embeddingDropout.p > 0;
      const { output, h } = dropping
        ? this.lstm.forward(this.embeddingDropout.forward(this.embedding.forward(batch.ids)), { lengths }) // output [T, B, DH], zero past each length
        : this.lstm.forwardEmbedded(this.embedding, batch.ids, { lengths });
      const D = c.bidirectional ? 2 : 1;
      const DH = D * c.hiddenSize;
      const parts: Tensor[] = [];
      for (const p of c.pooling) {
        if (p === 'last') {
          const top = slice(h, [(c.numLayers - 1) * D, 0, 0], [D, B, c.hiddenSize]); // [D, B, H]
          parts.push(reshape(transpose(top, [1, 0, 2]), [B, DH]));
        } else if (p === 'mean') {
          parts.push(div(sum(output, 0), tensor(lengths, [B, 1], { backend })));
        } else {
          const mask = new Float32Array(T * B);
          for (let b = 0; b < B; b++) for (let t = 0; t < lengths[b]!; t++) mask[t * B + b] = 1;
          parts.push(max(where(tensor(mask, [T, B, 1], { backend }), output, -1e4), 0));
        }
      }
      return parts.length === 1 ? parts[0]! : concat(parts, 1);
    });
  }

  /** Logits [B, numLabels]. */
  forward(batch: ModelBatch): Tensor {
    return scope(() => this.classifier.forward(this.dropout.forward(this.features(batch))));
  }
}
