import { decodeInto, dequantizeListed, encodeModel, parseSafetensors, Q8_MIN_SIZE, withoutInitialization } from '@cellstate/nn';
import { CellstateError, noGrad, readMany, scope, softmax, type Backend } from '@cellstate/tensor';
import * as v from 'valibot';
import { UNK_ID, Vocabulary, type VocabularyJSON } from '@cellstate/text';
import { makeBatch, sortedBatches } from './batching.js';
import { argmaxOf, computeMetrics, type EvaluationReport } from './metrics.js';
import { SentimentModel, resolveModelConfig, type ResolvedModelConfig, type SentimentModelConfig } from './model.js';
import { preprocess, resolvePreprocessOptions, type PreprocessOptions, type ResolvedPreprocessOptions } from './preprocess.js';

/** The default labels (airline tweets, SST-3). */
export const DEFAULT_LABELS: readonly string[] = ['negative', 'neutral', 'positive'];

/** `format` of a saved classifier's JSON. */
export const CLASSIFIER_FORMAT = 'cellstate-sentiment';
export const CLASSIFIER_VERSION = 1;

/** Thrown for bad input data or a bad model file; `code` says which. */
export class SentimentError extends CellstateError {
  readonly code: 'unknown-label' | 'invalid-model' | 'invalid-argument' | 'invalid-data';
  constructor(code: SentimentError['code'], message: string) {
    super(message, { op: 'sentiment' });
    this.name = 'SentimentError';
    this.code = code;
  }
}

/** A label -> value record whose keys are own data properties, so labels like "__proto__" or "constructor" stay ordinary keys. */
export function labelRecord(labels: readonly string[], value: (label: string, index: number) => number): Record<string, number> {
  return Object.fromEntries(labels.map((l, i) => [l, value(l, i)]));
}

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const probability = v.pipe(v.number(), v.minValue(0), v.maxValue(1));
const strings = v.array(v.string());
const POOLING = v.picklist(['last', 'mean', 'max']);

/**
 * The JSON half of a saved classifier, as read: every list a real list (a string
 * where a list belongs would otherwise be read character by character) and every size
 * bounded before anything is multiplied.
 */
const ClassifierJSONSchema = v.object({
  format: v.literal(CLASSIFIER_FORMAT),
  version: v.literal(CLASSIFIER_VERSION),
  labels: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(2), v.maxLength(10_000)),
  preprocess: v.object({
    lowercase: v.optional(v.boolean()),
    removeStopWords: v.optional(v.boolean()),
    stopWords: v.optional(v.union([v.literal('stopword:eng'), strings])),
    keepWords: v.optional(strings),
    maxChars: v.optional(int(1, 100_000_000)),
    maxTokens: v.optional(int(1, 1_000_000)),
    normalizeEntities: v.optional(v.boolean()),
    keepPunctuation: v.optional(strings),
  }),
  model: v.object({
    vocabSize: int(1, 10_000_000),
    numLabels: int(2, 10_000),
    embeddingDim: v.optional(int(1, 65_536)),
    hiddenSize: v.optional(int(1, 65_536)),
    numLayers: v.optional(int(1, 64)),
    bidirectional: v.optional(v.boolean()),
    pooling: v.optional(v.union([POOLING, v.pipe(v.array(POOLING), v.minLength(1), v.maxLength(3))])),
    dropout: v.optional(probability),
    embeddingDropout: v.optional(probability),
    seed: v.optional(int(0, Number.MAX_SAFE_INTEGER)),
  }),
  vocabulary: v.custom<VocabularyJSON>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), 'expected a vocabulary object'),
  info: v.optional(v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), 'expected a JSON object')),
});

/** The number of parameters `new SentimentModel(config)` allocates, computed without allocating. */
export function sentimentParameterCount(c: ResolvedModelConfig): number {
  const D = c.bidirectional ? 2 : 1;
  const H = c.hiddenSize;
  let n = c.vocabSize * c.embeddingDim;
  for (let l = 0; l < c.numLayers; l++) n += D * (4 * H * (l === 0 ? c.embeddingDim : D * H) + 4 * H * H + 8 * H);
  const features = c.pooling.length * H * D;
  return n + features * c.numLabels + c.numLabels;
}

/** The JSON half of a saved classifier (the weights are a safetensors file beside it). */
export interface ClassifierJSON {
  format: typeof CLASSIFIER_FORMAT;
  version: typeof CLASSIFIER_VERSION;
  labels: string[];
  preprocess: ResolvedPreprocessOptions;
  model: ResolvedModelConfig;
  vocabulary: VocabularyJSON;
  /** Free-form facts about training (data, command, time, metrics). */
  info?: Record<string, unknown>;
}

/** One text's encoding. */
export interface EncodedText {
  ids: number[];
  tokens: string[];
  truncated: boolean;
  hadInvalidBytes: boolean;
  /** Tokens not in the vocabulary. */
  unknown: number;
}

/** One prediction. */
export interface Prediction {
  label: string;
  /** Probability of each label, in label order. */
  probabilities: Record<string, number>;
  tokens: string[];
  /** Human-readable notes: truncation, no known words, replaced bytes. */
  warnings: string[];
}

/** How much one token pushed the decision. */
export interface TokenInfluence {
  token: string;
  /** p(label | text) − p(label | text without this token): > 0 pushed towards `label`. */
  weight: number;
  /** Change of every label's probability when the token is dropped (full − without). */
  deltas: Record<string, number>;
}

export interface Explanation extends Prediction {
  influences: TokenInfluence[];
}

export interface CreateClassifierOptions {
  labels?: readonly string[];
  vocabulary: Vocabulary;
  preprocess?: PreprocessOptions | ResolvedPreprocessOptions;
  model?: Omit<SentimentModelConfig, 'vocabSize' | 'numLabels'>;
}

/** How `encodeWeights` stores the weights. */
export type WeightsDType = 'F32' | 'F16' | 'Q8';

/**
 * The matrices 'Q8' quantizes: the embedding and the LSTM weights (99.9 % of the
 * general model's parameters), when big enough to be worth it (as in seq2seq's files). The 3-row output layer stays F16: nothing to save, and every
 * prediction goes through it.
 */
function isQ8Matrix(name: string, shape: readonly number[]): boolean {
  return (name === 'embedding.weight' || name.startsWith('lstm.weight_')) && shape[0]! * shape[1]! >= Q8_MIN_SIZE;
}

/**
 * Preprocessing + vocabulary + model + labels: text in, label and probabilities out.
 *
 * @example
 * ```ts
 * const clf = SentimentClassifier.create({ vocabulary: buildVocabulary(texts) });
 * await trainClassifier(clf, train, valid, { epochs: 10 });
 * const [p] = await clf.predict(['the flight was late again']);
 * console.log(p.label, p.probabilities);
 * ```
 */
export class SentimentClassifier {
  readonly labels: string[];
  readonly vocabulary: Vocabulary;
  readonly preprocessOptions: ResolvedPreprocessOptions;
  readonly model: SentimentModel;
  info: Record<string, unknown> = {};

  constructor(labels: readonly string[], vocabulary: Vocabulary, preprocessOptions: ResolvedPreprocessOptions, model: SentimentModel) {
    if (labels.length < 2) throw new SentimentError('invalid-argument', `a classifier needs at least 2 labels, got ${JSON.stringify(labels)}`);
    if (new Set(labels).size !== labels.length) throw new SentimentError('invalid-argument', `labels must be distinct, got ${JSON.stringify(labels)}`);
    if (model.config.numLabels !== labels.length) throw new SentimentError('invalid-argument', `the model has ${model.config.numLabels} outputs for ${labels.length} labels`);
    if (model.config.vocabSize !== vocabulary.size) throw new SentimentError('invalid-argument', `the model's embedding has ${model.config.vocabSize} rows for a vocabulary of ${vocabulary.size}`);
    this.labels = [...labels];
    this.vocabulary = vocabulary;
    this.preprocessOptions = preprocessOptions;
    this.model = model;
  }

  static create(options: CreateClassifierOptions): SentimentClassifier {
    const labels = options.labels ?? DEFAULT_LABELS;
    const model = new SentimentModel({ ...options.model, vocabSize: options.vocabulary.size, numLabels: labels.length });
    return new SentimentClassifier(labels, options.vocabulary, resolvePreprocessOptions(options.preprocess), model);
  }

  /** Index of `label`; throws a `SentimentError` (code `unknown-label`) listing the known ones. */
  labelIndex(label: string, where?: string): number {
    const i = this.labels.indexOf(label);
    if (i < 0) {
      throw new SentimentError('unknown-label', `${where ? `${where}: ` : ''}unknown label ${JSON.stringify(label)}; this model's labels are ${this.labels.map((l) => JSON.stringify(l)).join(', ')}`);
    }
    return i;
  }

  encode(text: string): EncodedText {
    const p = preprocess(text, this.preprocessOptions);
    const ids = this.vocabulary.encode(p.tokens);
    let unknown = 0;
    for (const id of ids) if (id === UNK_ID) unknown++;
    return { ids, tokens: p.tokens, truncated: p.truncated, hadInvalidBytes: p.hadInvalidBytes, unknown };
  }

  /** Probabilities [N][numLabels] of already-encoded texts, in input order (eval mode, no gradients). */
  async probabilitiesOf(sequences: readonly (readonly number[])[], options: { batchSize?: number; backend?: Backend } = {}): Promise<Float32Array[]> {
    const batchSize = options.batchSize ?? 128;
    const wasTraining = this.model.training;
    this.model.eval();
    const out: Float32Array[] = new Array(sequences.length);
    const C = this.labels.length;
    try {
      for (const batch of sortedBatches(sequences.map((s) => s.length), batchSize)) {
        const probs = noGrad(() =>
          scope(() => {
            const b = makeBatch(batch.map((i) => sequences[i]!), options.backend ?? this.model.embedding.weight.value.backend);
            return softmax(this.model.forward(b), -1);
          }),
        );
        const [values] = (await readMany([probs])) as [Float32Array];
        probs.dispose();
        batch.forEach((i, k) => (out[i] = values.slice(k * C, (k + 1) * C)));
      }
    } finally {
      this.model.train(wasTraining);
    }
    return out;
  }

  /** Label and probabilities for each text. Never throws for odd text: empty or truncated texts get warnings. */
  async predict(texts: readonly string[], options: { batchSize?: number } = {}): Promise<Prediction[]> {
    const encoded = texts.map((t) => this.encode(t));
    const probs = await this.probabilitiesOf(encoded.map((e) => e.ids), options);
    return encoded.map((e, i) => this.#prediction(e, probs[i]!, texts[i]!));
  }

  #prediction(e: EncodedText, p: Float32Array, text: string): Prediction {
    const warnings: string[] = [];
    if (e.truncated) warnings.push(`text truncated to ${this.preprocessOptions.maxTokens} tokens / ${this.preprocessOptions.maxChars} characters (it had ${text.length} characters)`);
    if (e.hadInvalidBytes) warnings.push('the text held bytes that are not valid UTF-8; they were ignored');
    if (e.tokens.length === 0) warnings.push('no words left after preprocessing (empty text, or only stop words/punctuation): the label is the model\'s prior');
    else if (e.unknown === e.tokens.length) warnings.push('none of the words is in the vocabulary: the prediction is unreliable');
    const probabilities = labelRecord(this.labels, (_, c) => p[c]!);
    return { label: this.labels[argmaxOf(p)]!, probabilities, tokens: e.tokens, warnings };
  }

  /**
   * Which words pushed the decision, by occlusion: each token is dropped in turn and
   * the change of the predicted label's probability is its weight (positive: the word
   * pushed towards the label). One batched forward pass of n + 1 texts.
   *
   * @example
   * ```ts
   * const { label, influences } = await clf.explain('not good at all');
   * // influences: [{ token: 'not', weight: 0.41, ... }, { token: 'good', weight: -0.2, ... }, ...]
   * ```
   */
  async explain(text: string): Promise<Explanation> {
    const e = this.encode(text);
    const variants = [e.ids, ...e.ids.map((_, i) => e.ids.filter((__, j) => j !== i))];
    const probs = await this.probabilitiesOf(variants);
    const base = this.#prediction(e, probs[0]!, text);
    const c = this.labels.indexOf(base.label);
    const influences = e.tokens.map((token, i) => {
      const without = probs[i + 1]!;
      const deltas = labelRecord(this.labels, (_, k) => probs[0]![k]! - without[k]!);
      return { token, weight: probs[0]![c]! - without[c]!, deltas };
    });
    return { ...base, influences };
  }

  /** Metrics on labelled texts (unknown labels throw a `SentimentError` naming the example). */
  async evaluate(examples: readonly { text: string; label: string }[], options: { batchSize?: number } = {}): Promise<EvaluationReport & { predictions: number[] }> {
    const yTrue = examples.map((ex, i) => this.labelIndex(ex.label, `example ${i + 1}`));
    const probs = await this.probabilitiesOf(examples.map((ex) => this.encode(ex.text).ids), options);
    const yPred = probs.map((p) => argmaxOf(p));
    return { ...computeMetrics(yTrue, yPred, this.labels), predictions: yPred };
  }

  toJSON(): ClassifierJSON {
    return {
      format: CLASSIFIER_FORMAT,
      version: CLASSIFIER_VERSION,
      labels: [...this.labels],
      preprocess: this.preprocessOptions,
      model: this.model.config,
      vocabulary: this.vocabulary.toJSON(),
      info: this.info,
    };
  }

  /**
   * The weights as a safetensors file: F16 by default (half the size, same predictions
   * to ~1e-3), 'F32', or 'Q8' (the embedding and the LSTM's weight matrices as int8 with
   * a float32 scale per row, the rest F16: about a quarter of F32). `load` reads all three.
   *
   * @example
   * ```ts
   * const bytes = await clf.encodeWeights({ dtype: 'Q8' });
   * const again = await SentimentClassifier.load(clf.toJSON(), bytes);
   * ```
   */
  async encodeWeights(options: { dtype?: WeightsDType } = {}): Promise<Uint8Array> {
    return encodeModel(this.model, { dtype: options.dtype ?? 'F16', quantize: isQ8Matrix });
  }

  /**
   * Rebuilds a classifier from its JSON and weights (browser-safe). The JSON is
   * validated against its schema (types, lists, sane sizes), and the architecture it
   * describes must account for exactly the weights in the file before the model is
   * built, so a forged `numLayers: 10000` fails at once instead of allocating
   * gigabytes. Throws a `SentimentError` (code `invalid-model`) naming `source` when
   * the JSON is not a classifier or the weights don't fit it; weights holding NaN or
   * ±Infinity are refused unless `options.allowNonFinite`. `options.weightsSource`
   * names the weights file in messages (default: "`source` weights").
   */
  static async load(json: unknown, weights: Uint8Array, source = 'model', options: { allowNonFinite?: boolean; weightsSource?: string } = {}): Promise<SentimentClassifier> {
    const weightsSource = options.weightsSource ?? `${source} weights`;
    const o = json as Partial<ClassifierJSON> | null;
    if (!o || typeof o !== 'object' || o.format !== CLASSIFIER_FORMAT) {
      throw new SentimentError('invalid-model', `${source}: not a cellstate sentiment model (format ${JSON.stringify((o as { format?: unknown } | null)?.format ?? null)}, expected "${CLASSIFIER_FORMAT}")`);
    }
    if (o.version !== CLASSIFIER_VERSION) throw new SentimentError('invalid-model', `${source}: version ${String(o.version)} is not supported (this code reads ${CLASSIFIER_VERSION})`);
    const checked = v.safeParse(ClassifierJSONSchema, json);
    if (!checked.success) {
      const issue = checked.issues[0]!;
      const path = issue.path?.map((p) => String(p.key)).join('.');
      throw new SentimentError('invalid-model', `${source}: ${path ? `'${path}': ` : ''}${issue.message}`);
    }
    const c = checked.output;
    let clf: SentimentClassifier;
    try {
      const vocabulary = Vocabulary.fromJSON(c.vocabulary, source);
      const config = resolveModelConfig({ ...c.model, vocabSize: c.model.vocabSize, numLabels: c.model.numLabels } as SentimentModelConfig);
      // Bounds from the bytes: what the config would allocate must be what the file holds.
      const file = parseSafetensors(weights, { source: weightsSource });
      const held = [...dequantizeListed(file.tensors, file.metadata, weightsSource).values()].reduce((n, t) => n + t.data.length, 0);
      const needed = sentimentParameterCount(config);
      if (needed !== held) throw new SentimentError('invalid-model', `${source}: the model config describes ${needed} parameters, but the weights file holds ${held}`);
      // decodeInto below overwrites every parameter (strict): no random numbers for weights that go.
      const model = withoutInitialization(() => new SentimentModel(config));
      clf = new SentimentClassifier(c.labels, vocabulary, resolvePreprocessOptions(c.preprocess as PreprocessOptions), model);
    } catch (cause) {
      if (cause instanceof SentimentError) throw cause;
      throw new SentimentError('invalid-model', `${source}: ${(cause as Error).message}`);
    }
    try {
      await decodeInto(clf.model, weights, { source: weightsSource, ...(options.allowNonFinite ? { allowNonFinite: true } : {}) });
    } catch (cause) {
      clf.model.dispose();
      throw new SentimentError('invalid-model', `${source}: the weights do not fit the model: ${(cause as Error).message}`);
    }
    // The parsed object itself (valibot's output is a copy, where "__proto__" keys would not survive).
    clf.info = (o.info as Record<string, unknown> | undefined) ?? {};
    return clf;
  }

  dispose(): void {
    this.model.dispose();
  }
}
