/**
 * Inputs of the inference workloads W8T and W8S (the two sample apps' `run` commands with
 * their SHIPPED models), tokenised and encoded once, here, exactly as the apps do it, and
 * written to a JSON file (node_modules/.cache/cellstate-bench/<W8T|W8S>-inputs.json at
 * the repository root) that the cellstate runner (infer-step.ts) and the PyTorch peer
 * (python/infer_torch.py) both read, so that both decode the very same ids in the very
 * same batches.
 *
 * - W8T: the first 64 distinct English sources of ../shared/data/translation/
 *   tatoeba-eng-fra/test.tsv through apps/translate/models/en-fr.safetensors, as
 *   `translate run` translates stdin: lines in chunks of 32 (the CLI's), each chunk as
 *   `Translator.translate` does it (apps/translate/src/translator.ts): the model's
 *   tokenizer (`tokenize`, lower-cased), inputs over 100 tokens cut, blank ones skipped,
 *   the source vocabulary's ids, sorted by length (stable), batches of 32, one
 *   `beamSearch` per batch with beam 5, length penalty 0.6 and
 *   maxLength = min(⌈1.5·longest⌉ + 10, max(2·maxTargetLength, 50)).
 * - W8S: the first 256 texts of ../shared/data/sentiment/airline-tweets/test.jsonl
 *   (a text's line breaks become spaces: `run` reads one text per line) through
 *   apps/sentiment/models/airline, as `sentiment run` classifies stdin: lines in chunks of
 *   64 (apps/sentiment/src/cli/run.ts), one `predict` per chunk, which encodes each text
 *   (`SentimentClassifier.encode`) and runs `probabilitiesOf` (length-sorted batches of
 *   at most 128, `sortedBatches`, padded as `makeBatch` pads).
 *
 * The file also names the model and its SHA-256 so the peer can check that it loads the
 * same weights. After a cellstate pass, `writeInferReference` stores cellstate's outputs
 * (<W8T|W8S>-cellstate-outputs.json) for the peer's agreement check.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseSafetensors } from '@cellstate/nn';
import { sortedBatches, type ClassifierJSON } from '@cellstate/sentiment';
import { tokenize, Vocabulary } from '@cellstate/text';
import { CACHE_DIR, REPO_ROOT, SHARED_DATA, encoderFor, padBatch } from './sentiment-data.js';

export type InferWorkloadId = 'W8T' | 'W8S';

/** W8T: what is translated and how (the `translate run` defaults). */
export interface TranslateInferSpec {
  /** Under ../shared/data. */
  data: string;
  /** Distinct sources taken from the top of the file. */
  sentences: number;
  /** The model file (relative to the repository root, or absolute). */
  model: string;
  beamSize: number;
  lengthPenalty: number;
  /** Lines `translate run` hands to one `translate` call. */
  linesPerChunk: number;
  /** `TranslateOptions.batchSize`: sentences per `beamSearch`. */
  batchSize: number;
  /** Inputs longer than this are cut (`--max-input`). */
  maxInputTokens: number;
}

/** W8S: what is classified and how (the `sentiment run` defaults). */
export interface SentimentInferSpec {
  data: string;
  texts: number;
  /** The model directory (sentiment.json + model.safetensors). */
  model: string;
  /** Lines `sentiment run` hands to one `predict` call. */
  linesPerChunk: number;
  /** `probabilitiesOf`'s batch size (predict's default). */
  batchSize: number;
}

export const W8T_SPEC: TranslateInferSpec = {
  data: 'translation/tatoeba-eng-fra/test.tsv',
  sentences: 64,
  model: 'apps/translate/models/en-fr.safetensors',
  beamSize: 5,
  lengthPenalty: 0.6,
  linesPerChunk: 32,
  batchSize: 32,
  maxInputTokens: 100,
};

export const W8S_SPEC: SentimentInferSpec = {
  data: 'sentiment/airline-tweets/test.jsonl',
  texts: 256,
  model: 'apps/sentiment/models/airline',
  linesPerChunk: 64,
  batchSize: 128,
};

/** One `beamSearch` call: the sentences it decodes, in its row order. */
export interface TranslateInferBatch {
  /** Indices into `sentences`, sorted by source length as `Translator.translate` sorts them. */
  items: number[];
  maxLength: number;
}

export interface TranslateInferFile {
  workload: 'W8T';
  spec: TranslateInferSpec;
  /** Where the sentences came from (for the report). */
  data: string;
  /** The model file as given in the spec, and its SHA-256. */
  model: string;
  modelSha256: Record<string, string>;
  /** The model's resolved `Seq2SeqConfig` (metadata `seq2seq.config`). */
  config: Record<string, unknown>;
  preprocessing: Record<string, unknown>;
  sentences: string[];
  /** Source tokens of each sentence (after truncation). */
  tokens: string[][];
  /** Source ids of each sentence (no `<eos>`: `makeBatch` appends it). */
  ids: number[][];
  /** Indices of the sentences that were cut at `maxInputTokens`, and of blank ones (not decoded). */
  truncated: number[];
  skipped: number[];
  /** The `beamSearch` calls of one pass, in order. */
  batches: TranslateInferBatch[];
}

/** One padded batch of `probabilitiesOf` (batch-major; `makeBatch`'s [T, B] transposed). */
export interface SentimentInferBatch {
  /** Indices into `texts`, in the batch's row order. */
  items: number[];
  lengths: number[];
  T: number;
  padded: number[][];
}

export interface SentimentInferFile {
  workload: 'W8S';
  spec: SentimentInferSpec;
  data: string;
  model: string;
  modelSha256: Record<string, string>;
  labels: string[];
  /** The model's resolved `SentimentModelConfig`. */
  modelConfig: Record<string, unknown>;
  texts: string[];
  /** `SentimentClassifier.encode(text).ids` of each text (may be empty: the model then sees one `<unk>`). */
  ids: number[][];
  /** Blank texts (`run` answers them with an error, no prediction). */
  skipped: number[];
  /** The `predict` calls of one pass: their texts, and the batches `probabilitiesOf` makes of them. */
  calls: { items: number[]; batches: SentimentInferBatch[] }[];
}

export type InferFile = TranslateInferFile | SentimentInferFile;

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A path as stored in the files: relative to the repository root when inside it. */
function displayPath(path: string): string {
  const r = relative(REPO_ROOT, path);
  return r.startsWith('..') || isAbsolute(r) ? path : r;
}

/** The absolute path of a spec's model (relative paths are from the repository root). */
export function modelPath(model: string): string {
  return resolve(REPO_ROOT, model);
}

/** The first `n` distinct sources (first column) of a Tatoeba TSV file, in file order. */
export function readTatoebaSources(file: string, n: number): string[] {
  const seen = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('\t')) continue;
    const source = line.slice(0, line.indexOf('\t'));
    seen.add(source);
    if (seen.size >= n) break;
  }
  if (seen.size < n) throw new Error(`${file} holds only ${seen.size} distinct sources, ${n} needed`);
  return [...seen];
}

/**
 * The `text` of the first `n` JSON Lines records that have one (lenient UTF-8, blank and
 * malformed lines skipped, as the app's reader), line breaks replaced by spaces.
 */
export function readJsonlTexts(file: string, n: number): string[] {
  const bytes = readFileSync(file);
  const out: string[] = [];
  for (const line of new TextDecoder('utf-8').decode(bytes).split('\n')) {
    if (out.length >= n) break;
    if (!line.trim()) continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    const text = (r as { text?: unknown } | null)?.text;
    if (typeof text === 'string') out.push(text.replace(/\r?\n|\r/g, ' '));
  }
  if (out.length < n) throw new Error(`${file} holds only ${out.length} texts, ${n} needed`);
  return out;
}

/** apps/translate/src/preprocess.ts `tokensOf`: the model's tokenizer. */
function tokensOf(text: string, pre: { tokenizer?: string; lowercase?: boolean }): string[] {
  if (pre.tokenizer === 'whitespace') {
    const t = text.trim();
    const tokens = t === '' ? [] : t.split(/\s+/);
    return pre.lowercase ? tokens.map((x) => x.toLowerCase()) : tokens;
  }
  return tokenize(text, { lowercase: pre.lowercase ?? false });
}

/**
 * W8T's file from sentences and the bytes of a translation model file (the shipped one,
 * or a tiny one in tests): every line tokenised and encoded as `Translator.translate`
 * does, then the pass's `beamSearch` calls (chunks of `linesPerChunk` lines, each sorted
 * by length and cut into batches of `batchSize`).
 */
export function buildTranslateInferFile(sentences: readonly string[], modelBytes: Uint8Array, spec: TranslateInferSpec, sources: { data: string; model: string }): TranslateInferFile {
  const { metadata } = parseSafetensors(modelBytes, { source: sources.model });
  const meta = (key: string): unknown => {
    const raw = metadata[key];
    if (raw === undefined) throw new Error(`${sources.model}: metadata '${key}' is missing (not a translation model file?)`);
    return JSON.parse(raw);
  };
  const config = meta('seq2seq.config') as Record<string, unknown>;
  const preprocessing = meta('seq2seq.preprocessing') as { tokenizer?: string; lowercase?: boolean; maxTargetLength?: number };
  const vocabulary = Vocabulary.fromJSON(meta('seq2seq.source_vocab'), sources.model);
  const tokens: string[][] = [];
  const ids: number[][] = [];
  const truncated: number[] = [];
  const skipped: number[] = [];
  sentences.forEach((s, i) => {
    let t = tokensOf(s, preprocessing);
    if (t.length === 0) skipped.push(i);
    if (t.length > spec.maxInputTokens) {
      t = t.slice(0, spec.maxInputTokens);
      truncated.push(i);
    }
    tokens.push(t);
    ids.push(vocabulary.encode(t));
  });
  const maxTarget = Number(preprocessing.maxTargetLength ?? 0);
  const batches: TranslateInferBatch[] = [];
  for (let c = 0; c < sentences.length; c += spec.linesPerChunk) {
    const work: number[] = [];
    for (let i = c; i < Math.min(c + spec.linesPerChunk, sentences.length); i++) if (tokens[i]!.length > 0) work.push(i);
    work.sort((a, b) => ids[a]!.length - ids[b]!.length); // stable, as Array.prototype.sort is
    for (let start = 0; start < work.length; start += spec.batchSize) {
      const items = work.slice(start, start + spec.batchSize);
      const longest = Math.max(...items.map((i) => ids[i]!.length));
      batches.push({ items, maxLength: Math.min(Math.ceil(longest * 1.5) + 10, Math.max(maxTarget * 2, 50)) });
    }
  }
  return {
    workload: 'W8T',
    spec,
    data: sources.data,
    model: sources.model,
    modelSha256: { [sources.model.split('/').pop()!]: sha256(modelBytes) },
    config,
    preprocessing: preprocessing as Record<string, unknown>,
    sentences: [...sentences],
    tokens,
    ids,
    truncated,
    skipped,
    batches,
  };
}

/**
 * W8S's file from texts and a classifier's JSON (the shipped sentiment.json, or a tiny
 * one in tests): every text encoded as `SentimentClassifier.encode`, then the pass's
 * `predict` calls (chunks of `linesPerChunk` non-blank lines) with the batches
 * `probabilitiesOf` makes (`sortedBatches` by raw length, padded as `makeBatch`).
 */
export function buildSentimentInferFile(
  texts: readonly string[],
  model: Pick<ClassifierJSON, 'labels' | 'preprocess' | 'model' | 'vocabulary'>,
  spec: SentimentInferSpec,
  sources: { data: string; model: string; sha256?: Record<string, string> },
): SentimentInferFile {
  const encode = encoderFor(model);
  const ids = texts.map((t) => encode(t));
  const skipped: number[] = [];
  const calls: SentimentInferFile['calls'] = [];
  for (let c = 0; c < texts.length; c += spec.linesPerChunk) {
    const items: number[] = [];
    for (let i = c; i < Math.min(c + spec.linesPerChunk, texts.length); i++) {
      if (texts[i]!.trim()) items.push(i);
      else skipped.push(i);
    }
    if (items.length === 0) continue;
    const batches = sortedBatches(items.map((i) => ids[i]!.length), spec.batchSize).map((rows): SentimentInferBatch => {
      const batchItems = rows.map((k) => items[k]!);
      return { items: batchItems, ...padBatch(batchItems.map((i) => ids[i]!)) };
    });
    calls.push({ items, batches });
  }
  return {
    workload: 'W8S',
    spec,
    data: sources.data,
    model: sources.model,
    modelSha256: sources.sha256 ?? {},
    labels: [...model.labels],
    modelConfig: { ...model.model } as Record<string, unknown>,
    texts: [...texts],
    ids,
    skipped,
    calls,
  };
}

/** The SHA-256 of each file of the workload's model (what the file records and the peer checks). */
export function modelHashes(id: InferWorkloadId, model: string): Record<string, string> {
  const path = modelPath(model);
  if (id === 'W8T') return { [path.split('/').pop()!]: sha256(readFileSync(path)) };
  return Object.fromEntries(['sentiment.json', 'model.safetensors'].map((f) => [f, sha256(readFileSync(join(path, f)))]));
}

export function inferDataPath(id: InferWorkloadId, cacheDir = CACHE_DIR): string {
  return join(cacheDir, `${id}-inputs.json`);
}

export function inferReferencePath(id: InferWorkloadId, cacheDir = CACHE_DIR): string {
  return join(cacheDir, `${id}-cellstate-outputs.json`);
}

/**
 * The workload's inputs: read from the cache folder when they were built with the same
 * spec from the same model files, else built from ../shared/data and the shipped model
 * and written there.
 */
export function inferData(id: 'W8T', spec?: TranslateInferSpec, cacheDir?: string): TranslateInferFile;
export function inferData(id: 'W8S', spec?: SentimentInferSpec, cacheDir?: string): SentimentInferFile;
export function inferData(id: InferWorkloadId, spec?: TranslateInferSpec | SentimentInferSpec, cacheDir?: string): InferFile;
export function inferData(id: InferWorkloadId, spec: TranslateInferSpec | SentimentInferSpec = id === 'W8T' ? W8T_SPEC : W8S_SPEC, cacheDir = CACHE_DIR): InferFile {
  if (id !== 'W8T' && id !== 'W8S') throw new Error(`unknown inference workload '${String(id)}' (W8T, W8S)`);
  const file = inferDataPath(id, cacheDir);
  const hashes = modelHashes(id, spec.model);
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as InferFile;
    if (cached.workload === id && JSON.stringify(cached.spec) === JSON.stringify(spec) && JSON.stringify(cached.modelSha256) === JSON.stringify(hashes)) return cached;
  }
  const data = join(SHARED_DATA, spec.data);
  const sources = { data: `../shared/data/${spec.data}`, model: displayPath(modelPath(spec.model)) };
  let out: InferFile;
  if (id === 'W8T') {
    const s = spec as TranslateInferSpec;
    const buffer = readFileSync(modelPath(s.model));
    out = buildTranslateInferFile(readTatoebaSources(data, s.sentences), new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), s, sources);
  } else {
    const s = spec as SentimentInferSpec;
    const json = JSON.parse(readFileSync(join(modelPath(s.model), 'sentiment.json'), 'utf8')) as ClassifierJSON;
    out = buildSentimentInferFile(readJsonlTexts(data, s.texts), json, s, { ...sources, sha256: hashes });
  }
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(out));
  return out;
}

/** cellstate's outputs of one pass, in input order (null for inputs that were skipped). */
export type InferOutputs =
  | { workload: 'W8T'; outputs: ({ ids: number[]; logProb: number; score: number; finished: boolean } | null)[] }
  | { workload: 'W8S'; outputs: ({ label: number; probabilities: number[] } | null)[] };

/** Writes cellstate's outputs next to the inputs, for the peer's agreement check. */
export function writeInferReference(outputs: InferOutputs, details: { system: string; modelSha256: Record<string, string> }, cacheDir = CACHE_DIR): string {
  const file = inferReferencePath(outputs.workload, cacheDir);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ ...details, ...outputs }));
  return file;
}
