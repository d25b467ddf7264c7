/**
 * Real sentiment batches for the whole-step workload W7: airline tweets from
 * ../shared/data, preprocessed and encoded with the SHIPPED model's preprocessing and
 * vocabulary (apps/sentiment/models/airline/sentiment.json) exactly as
 * `trainClassifier` encodes its training texts, batched as its first epoch is
 * (`lengthBucketedBatches`, seed 1), padded as `makeBatch` pads, and written once to a
 * JSON file that the cellstate runner, the TF.js peer and the PyTorch peer all read, so
 * the three train on the very same ids, lengths and labels.
 *
 * The file also carries everything else the peers need to build the same model and
 * step: the resolved model config, the class weights and the optimizer settings.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  classWeightsFor,
  lengthBucketedBatches,
  preprocess,
  resolvePreprocessOptions,
  seededRandom,
  type ClassifierJSON,
  type LabeledText,
  type ResolvedModelConfig,
  type ResolvedPreprocessOptions,
} from '@cellstate/sentiment';
import { UNK_ID, Vocabulary } from '@cellstate/text';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (packages/bench/src/whole-step → ../../../..). */
export const REPO_ROOT = resolve(here, '../../../..');
export const SHARED_DATA = process.env.CELLSTATE_SHARED_DATA ?? resolve(REPO_ROOT, '../shared/data');
export const CACHE_DIR = join(REPO_ROOT, 'node_modules/.cache/cellstate-bench');
/** The shipped model directory (its sentiment.json gives labels, preprocessing, vocabulary, architecture). */
export const SHIPPED_MODEL_DIR = join(REPO_ROOT, 'apps/sentiment/models/airline');
export const AIRLINE_TRAIN = join(SHARED_DATA, 'sentiment/airline-tweets/train.jsonl');

/**
 * How the shipped model was trained (apps/sentiment/README.md "Shipped model", the
 * `train` command's defaults in apps/sentiment/src/cli/train.ts and `trainClassifier`'s
 * in packages/sentiment/src/train.ts): Adam 2e-3 (β 0.9/0.999, ε 1e-8, no weight decay),
 * batch 32 length-bucketed, gradient-norm clip 5 (non-finite steps skipped), class
 * weights √(balanced), shuffling seed 1.
 */
export const SHIPPED_TRAINING = {
  batchSize: 32,
  learningRate: 2e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
  clipGradNorm: 5,
  classWeights: 'sqrt' as const,
  seed: 1,
} as const;

export interface SentimentDataSpec {
  /** Examples per batch (the shipped training's 32). */
  batchSize: number;
  /** How many batches the workload cycles through. */
  batches: number;
  /** Shuffling seed (`trainClassifier`'s `seed`) and the epoch whose batch order is used. */
  seed: number;
  epoch: number;
}

export const W7_DATA: SentimentDataSpec = { batchSize: SHIPPED_TRAINING.batchSize, batches: 20, seed: SHIPPED_TRAINING.seed, epoch: 1 };

/** One batch: the encoded texts (as `trainClassifier` holds them) and their padded form. */
export interface SentimentBatch {
  /** Index of this batch in the epoch's order (`lengthBucketedBatches`). */
  epochIndex: number;
  /** Indices of its examples in the training file (after skipped lines). */
  examples: number[];
  /** Encoded ids of each text, unpadded (`clf.encode(text).ids`; may be empty). */
  ids: number[][];
  /** Each text's length as the model sees it: max(1, ids.length) (an empty text is one `<unk>`). */
  lengths: number[];
  /** Label index of each text. */
  labels: number[];
  /** Padded length: max(lengths). */
  T: number;
  /** Batch-major [B][T] padded ids, exactly `makeBatch`'s time-major [T, B] tensor transposed (padding 0, empty text → `<unk>`). */
  padded: number[][];
}

export interface SentimentBatchFile {
  workload: string;
  data: string;
  model: string;
  spec: SentimentDataSpec;
  labels: string[];
  vocabSize: number;
  preprocess: ResolvedPreprocessOptions;
  /** The shipped architecture (resolved `SentimentModelConfig`). */
  modelConfig: ResolvedModelConfig;
  /** Per-label loss weights, computed from the training file as `trainClassifier` does. */
  classWeights: number[];
  training: typeof SHIPPED_TRAINING;
  /** Size of the training set and of the epoch it was batched from. */
  trainExamples: number;
  epochBatches: number;
  /** Mean padded length / real tokens per batch over the whole epoch (full batches) and over the chosen ones. */
  stats: { epochMeanT: number; epochMeanTokens: number; chosenMeanT: number; chosenMeanTokens: number };
  /** The cycle order: see `balancedOrder`. */
  order: string;
  batches: SentimentBatch[];
}

/** The part of sentiment.json the data needs. */
export type ShippedModelJSON = Pick<ClassifierJSON, 'labels' | 'preprocess' | 'model' | 'vocabulary' | 'info'>;

export function readShippedModel(dir = SHIPPED_MODEL_DIR): ShippedModelJSON {
  return JSON.parse(readFileSync(join(dir, 'sentiment.json'), 'utf8')) as ShippedModelJSON;
}

/**
 * Reads a JSON Lines file of `{"text", "label"}` records the way the app's reader does
 * (apps/sentiment/src/dataset.ts: lenient UTF-8, blank lines and malformed records
 * skipped, labels trimmed) and keeps the records whose label is one of `labels`.
 */
export function readLabelledJsonl(file: string, labels: readonly string[]): LabeledText[] {
  const bytes = readFileSync(file);
  const text = new TextDecoder('utf-8').decode(bytes.subarray(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0));
  const out: LabeledText[] = [];
  for (let line of text.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (!line.trim()) continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    if (!r || typeof r !== 'object' || Array.isArray(r)) continue;
    const { text: t, label } = r as { text?: unknown; label?: unknown };
    if (typeof t !== 'string' || label === undefined || label === null || label === '') continue;
    const l = String(label).trim();
    if (labels.includes(l)) out.push({ text: t, label: l });
  }
  return out;
}

/** `SentimentClassifier.encode(text).ids` without building a model: the classifier's preprocessing, then its vocabulary. */
export function encoderFor(model: Pick<ShippedModelJSON, 'preprocess' | 'vocabulary'>): (text: string) => number[] {
  const options = resolvePreprocessOptions(model.preprocess);
  const vocabulary = Vocabulary.fromJSON(model.vocabulary);
  return (text) => vocabulary.encode(preprocess(text, options).tokens);
}

/** Pads a batch exactly as `makeBatch` (packages/sentiment/src/batching.ts) does, but batch-major. */
export function padBatch(ids: readonly (readonly number[])[]): { lengths: number[]; T: number; padded: number[][] } {
  const lengths = ids.map((s) => Math.max(1, s.length));
  const T = Math.max(1, ...lengths);
  const padded = ids.map((s) => {
    const row = new Array<number>(T).fill(0);
    if (s.length === 0) row[0] = UNK_ID;
    s.forEach((id, t) => (row[t] = id));
    return row;
  });
  return { lengths, T, padded };
}

/**
 * The cycle order of the chosen batches, so that the median of however many timed
 * steps a runner gets is the median batch's time. The runners time their steps with
 * `timeIt` (warm-ups, then ≥ 5 up to 30 steps until 8 s), so a fast and a slow system
 * time different numbers of batches: with batches in epoch order their medians would
 * come from different batches. Sorted by cost (padded length, then real tokens),
 * c[0] … c[n-1] with lo = ⌊(n-1)/2⌋: c[0] (a warm-up), c[lo], then alternately one
 * above and one below the middle moving outwards: c[lo+1], c[lo-1], c[lo+2], ... For
 * n = 20: c0 c9 c10 c8 c11 c7 ... c1 c18 c19. The full plan's timed steps (from
 * position 2) then have their median at c10 or (c8 + c10)/2 whatever their number, and
 * `--quick`'s two (positions 1, 2) exactly the median pair's.
 */
export function balancedOrder<T>(sortedByCost: readonly T[]): T[] {
  const n = sortedByCost.length;
  if (n < 3) return [...sortedByCost];
  const c = sortedByCost;
  const lo = (n - 1) >> 1; // the lower middle: c[lo] and c[lo + 1] are the median pair for even n
  const out: T[] = [c[0]!, c[lo]!];
  for (let k = 1; out.length < n; k++) {
    if (lo + k < n) out.push(c[lo + k]!);
    if (lo - k >= 1) out.push(c[lo - k]!);
  }
  return out;
}

/**
 * Builds the batch file from labelled examples and a classifier JSON (the shipped one,
 * or a tiny one in tests): every text encoded, the epoch's batches drawn as
 * `trainClassifier` draws them (`lengthBucketedBatches(lengths, batchSize,
 * seededRandom(seed * 1000 + epoch))`), full batches only, `batches` of them spread
 * evenly over the epoch's cost quantiles, in `balancedOrder`.
 */
export function buildSentimentBatchFile(workload: string, examples: readonly LabeledText[], model: ShippedModelJSON, spec: SentimentDataSpec, sources: { data: string; model: string }): SentimentBatchFile {
  const encode = encoderFor(model);
  const labelIndex = new Map(model.labels.map((l, i) => [l, i]));
  const ids = examples.map((ex) => encode(ex.text));
  const ys = examples.map((ex) => {
    const y = labelIndex.get(ex.label);
    if (y === undefined) throw new Error(`unknown label ${JSON.stringify(ex.label)}`);
    return y;
  });
  const counts = new Array<number>(model.labels.length).fill(0);
  for (const y of ys) counts[y]!++;
  const classWeights = classWeightsFor(counts, SHIPPED_TRAINING.classWeights);

  const epoch = lengthBucketedBatches(ids.map((s) => s.length), spec.batchSize, seededRandom(spec.seed * 1000 + spec.epoch));
  const full = epoch.map((idx, epochIndex) => ({ idx, epochIndex })).filter((b) => b.idx.length === spec.batchSize);
  if (full.length < spec.batches) throw new Error(`only ${full.length} full batches of ${spec.batchSize}, ${spec.batches} wanted`);
  const costOf = (idx: number[]) => {
    const lengths = idx.map((i) => Math.max(1, ids[i]!.length));
    return { T: Math.max(...lengths), tokens: lengths.reduce((a, b) => a + b, 0) };
  };
  const sorted = full.map((b) => ({ ...b, ...costOf(b.idx) })).sort((a, b) => a.T - b.T || a.tokens - b.tokens || a.epochIndex - b.epochIndex);
  // Evenly spread over the epoch's cost distribution (the middle of each of `batches` equal slices).
  const chosen = Array.from({ length: spec.batches }, (_, k) => sorted[Math.floor(((k + 0.5) * sorted.length) / spec.batches)]!);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const batches = balancedOrder(chosen).map(({ idx, epochIndex }): SentimentBatch => {
    const batchIds = idx.map((i) => ids[i]!);
    return { epochIndex, examples: [...idx], ids: batchIds, labels: idx.map((i) => ys[i]!), ...padBatch(batchIds) };
  });
  const { vocabulary: _vocabulary, ...rest } = model;
  void _vocabulary;
  return {
    workload,
    data: sources.data,
    model: sources.model,
    spec,
    labels: [...rest.labels],
    vocabSize: model.vocabulary.tokens.length,
    preprocess: resolvePreprocessOptions(model.preprocess),
    modelConfig: { ...model.model, vocabSize: model.vocabulary.tokens.length, numLabels: model.labels.length },
    classWeights,
    training: SHIPPED_TRAINING,
    trainExamples: examples.length,
    epochBatches: epoch.length,
    stats: {
      epochMeanT: mean(sorted.map((b) => b.T)),
      epochMeanTokens: mean(sorted.map((b) => b.tokens)),
      chosenMeanT: mean(chosen.map((b) => b.T)),
      chosenMeanTokens: mean(chosen.map((b) => b.tokens)),
    },
    order: 'balanced: cheapest first (a warm-up), then the lower median batch, then alternately above/below the middle moving outwards (sentiment-data.ts balancedOrder)',
    batches,
  };
}

/**
 * The W7 batches: read from the cache folder when they were built with the same spec,
 * else built from the shipped model and the airline training file and written there.
 */
export function sentimentBatches(workload = 'W7', spec: SentimentDataSpec = W7_DATA, cacheDir = CACHE_DIR): SentimentBatchFile {
  const file = join(cacheDir, `${workload}-batches.json`);
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as SentimentBatchFile;
    if (JSON.stringify(cached.spec) === JSON.stringify(spec)) return cached;
  }
  const model = readShippedModel();
  const examples = readLabelledJsonl(AIRLINE_TRAIN, model.labels);
  const out = buildSentimentBatchFile(workload, examples, model, spec, {
    data: '../shared/data/sentiment/airline-tweets/train.jsonl',
    model: 'apps/sentiment/models/airline',
  });
  const shipped = (model.info as { classWeights?: number[] } | undefined)?.classWeights;
  if (shipped && shipped.some((w, i) => Math.abs(w - out.classWeights[i]!) > 1e-6)) {
    throw new Error(`class weights ${out.classWeights.join(', ')} differ from the shipped model's ${shipped.join(', ')}: is this the training file it was trained on?`);
  }
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(out));
  return out;
}

/** The path of the cached file (for the peers, which read it; `sentimentBatches` writes it). */
export function sentimentBatchPath(workload = 'W7', cacheDir = CACHE_DIR): string {
  return join(cacheDir, `${workload}-batches.json`);
}

/**
 * Useful matmul flops of one training step on `batch` (the count every W7 runner
 * reports; python/sentiment_torch.py has the same formula):
 *   LSTM gates: 2·4H·(E+H) per real token (padding not counted) per direction,
 *   dense head: 2·F·C per text (F = pooled features, C = labels),
 * each ×3 for training (forward + two backward matmuls). Embedding lookups, pooling,
 * dropout, the loss and Adam are not counted.
 */
export function sentimentStepFlops(config: Pick<ResolvedModelConfig, 'embeddingDim' | 'hiddenSize' | 'bidirectional' | 'numLayers' | 'pooling' | 'numLabels'>, batch: Pick<SentimentBatch, 'lengths'>): number {
  const { embeddingDim: E, hiddenSize: H, numLabels: C } = config;
  const D = config.bidirectional ? 2 : 1;
  const tokens = batch.lengths.reduce((a, b) => a + b, 0);
  let lstm = 0;
  for (let l = 0; l < config.numLayers; l++) lstm += 2 * 4 * H * ((l === 0 ? E : D * H) + H) * tokens * D;
  const F = config.pooling.length * D * H;
  const head = 2 * F * C * batch.lengths.length;
  return 3 * (lstm + head);
}

/** Mean `sentimentStepFlops` over the file's batches (the runners cycle through all of them). */
export function meanStepFlops(file: SentimentBatchFile): number {
  return file.batches.reduce((n, b) => n + sentimentStepFlops(file.modelConfig, b), 0) / file.batches.length;
}
