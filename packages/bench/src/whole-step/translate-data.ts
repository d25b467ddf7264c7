/**
 * Real translation batches for the whole-step workloads (W5, W6): sentence pairs from
 * ../shared/data, tokenized and encoded as the translate app does, bucketed by length
 * as its epochs are, and written once to a JSON file that the cellstate runner and the
 * PyTorch peer both read, so both train on the very same ids and lengths.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBatch, permutation, type IdPair, type Seq2SeqBatch } from '@cellstate/seq2seq';
import { tokenize, Vocabulary } from '@cellstate/text';

/** One padded batch, as plain id lists (the runner pads with `makeBatch`). */
export interface BatchFile {
  workload: string;
  data: string;
  sourceVocabSize: number;
  targetVocabSize: number;
  batches: { source: number[]; target: number[] }[][];
}

export interface TranslateDataSpec {
  /** 'tatoeba' (en→fr, app tokenizer, lower-cased) or 'multi30k' (de→en, the `tok/` files). */
  corpus: 'tatoeba' | 'multi30k';
  maxLength: number;
  vocabSize: number;
  minFrequency: number;
  batchSize: number;
  /** How many batches the workload cycles through. */
  batches: number;
  seed: number;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (packages/bench/src/whole-step → ../../../..). */
export const REPO_ROOT = resolve(here, '../../../..');
export const SHARED_DATA = process.env.CELLSTATE_SHARED_DATA ?? resolve(REPO_ROOT, '../shared/data');

function readPairs(spec: TranslateDataSpec): { source: string[]; target: string[] }[] {
  if (spec.corpus === 'tatoeba') {
    const file = join(SHARED_DATA, 'translation/tatoeba-eng-fra/train.tsv');
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((l) => {
        const [en, fr] = l.split('\t') as [string, string];
        return { source: tokenize(en, { lowercase: true }), target: tokenize(fr, { lowercase: true }) };
      });
  }
  const dir = join(SHARED_DATA, 'translation/multi30k/tok');
  const de = readFileSync(join(dir, 'train.lc.norm.tok.de'), 'utf8').split('\n');
  const en = readFileSync(join(dir, 'train.lc.norm.tok.en'), 'utf8').split('\n');
  const split = (s: string) => (s.trim() === '' ? [] : s.trim().split(/\s+/));
  return de.map((d, i) => ({ source: split(d), target: split(en[i] ?? '') }));
}

/**
 * Builds (or reads from the cache folder) the workload's batches: vocabularies from the
 * whole filtered training set, then `batches` batches taken from a seeded shuffle, each
 * bucketed by source length within a pool of 50 batches (the app's epoch order).
 */
export function translateBatches(workload: string, spec: TranslateDataSpec, cacheDir = join(REPO_ROOT, 'node_modules/.cache/cellstate-bench')): BatchFile {
  const file = join(cacheDir, `${workload}-batches.json`);
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as BatchFile & { spec?: TranslateDataSpec };
    if (JSON.stringify(cached.spec) === JSON.stringify(spec)) return cached;
  }
  const pairs = readPairs(spec).filter((p) => p.source.length > 0 && p.target.length > 0 && p.source.length <= spec.maxLength && p.target.length <= spec.maxLength);
  const sourceVocabulary = Vocabulary.build(pairs.map((p) => p.source), { minFrequency: spec.minFrequency, maxSize: spec.vocabSize });
  const targetVocabulary = Vocabulary.build(pairs.map((p) => p.target), { minFrequency: spec.minFrequency, maxSize: spec.vocabSize });
  const order = permutation(pairs.length, spec.seed);
  const pool = Array.from(order.subarray(0, spec.batchSize * 50));
  pool.sort((a, b) => pairs[a]!.source.length - pairs[b]!.source.length || pairs[a]!.target.length - pairs[b]!.target.length);
  const all: number[][] = [];
  for (let i = 0; i + spec.batchSize <= pool.length; i += spec.batchSize) all.push(pool.slice(i, i + spec.batchSize));
  // An even spread over the length buckets, so the mean step is an epoch's mean step.
  const stride = all.length / spec.batches;
  const chosen = Array.from({ length: spec.batches }, (_, k) => all[Math.floor(k * stride)]!);
  const out: BatchFile & { spec: TranslateDataSpec } = {
    workload,
    data: spec.corpus,
    sourceVocabSize: sourceVocabulary.size,
    targetVocabSize: targetVocabulary.size,
    batches: chosen.map((idx) => idx.map((i) => ({ source: sourceVocabulary.encode(pairs[i]!.source), target: targetVocabulary.encode(pairs[i]!.target) }))),
    spec,
  };
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(out));
  return out;
}

/** The file's batches as padded tensors (time-major, as `makeBatch` makes them). */
export function toSeq2SeqBatches(file: BatchFile, reverseSource = false): Seq2SeqBatch[] {
  return file.batches.map((pairs) => makeBatch(pairs as IdPair[], { reverseSource }));
}
