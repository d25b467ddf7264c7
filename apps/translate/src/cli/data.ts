/**
 * Parallel corpora for training and evaluation: Tatoeba-style TSV (`English<TAB>French`)
 * or two line-aligned files; named presets for the shared data sets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Preprocessing } from '@cellstate/seq2seq';
import { APP_DIR } from './io.js';

/** A sentence pair as text. */
export interface TextPair {
  source: string;
  target: string;
}

/** Where a data set's splits live and how to read them. */
export interface Corpus {
  name: string;
  train: TextPair[];
  valid: TextPair[];
  test?: TextPair[];
  sourceLanguage: string;
  targetLanguage: string;
  tokenizer: Preprocessing['tokenizer'];
  lowercase: boolean;
}

/** Error for unreadable or malformed data files (names the file and line). */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** The repository root (apps/translate -> ../..). */
export const repoRoot = resolve(APP_DIR, '../..');

/** `../shared/data` beside the repository root, or `$CELLSTATE_DATA`. */
export function sharedDataDir(): string {
  const fromEnv = process.env.CELLSTATE_DATA;
  if (fromEnv) return fromEnv;
  for (const candidate of [resolve(repoRoot, '../shared/data'), resolve(repoRoot, 'shared/data')]) if (existsSync(candidate)) return candidate;
  return resolve(repoRoot, '../shared/data');
}

function readLines(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new DataError(`cannot read ${path}: ${(cause as Error).message}`);
  }
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Reads `source<TAB>target` lines (extra columns are ignored, as in the manythings files). */
export function readTsv(path: string): TextPair[] {
  return readLines(path).flatMap((line, i) => {
    if (line.trim() === '') return [];
    const cols = line.split('\t');
    if (cols.length < 2) throw new DataError(`${path}:${i + 1}: expected source<TAB>target, found no tab`);
    return [{ source: cols[0]!, target: cols[1]! }];
  });
}

/** Reads two line-aligned files (line i of one translates line i of the other). */
export function readAligned(sourcePath: string, targetPath: string): TextPair[] {
  const s = readLines(sourcePath);
  const t = readLines(targetPath);
  if (s.length !== t.length) throw new DataError(`${sourcePath} has ${s.length} lines but ${targetPath} has ${t.length}; they must be line-aligned`);
  return s.map((source, i) => ({ source, target: t[i]! }));
}

/**
 * Resolves `--data`: `tatoeba` (en→fr, shared/data/translation/tatoeba-eng-fra),
 * `multi30k` (de→en on the lower-cased tokenised `tok/` files), a `.tsv` path, or
 * `src,tgt` (two aligned files; validation then comes from `--valid`).
 */
export function loadCorpus(data: string, options: { valid?: string; test?: string; sourceLanguage?: string; targetLanguage?: string } = {}): Corpus {
  const shared = sharedDataDir();
  if (data === 'tatoeba') {
    const dir = join(shared, 'translation/tatoeba-eng-fra');
    return {
      name: 'tatoeba-eng-fra',
      train: readTsv(join(dir, 'train.tsv')),
      valid: readTsv(join(dir, 'valid.tsv')),
      test: readTsv(join(dir, 'test.tsv')),
      sourceLanguage: 'en',
      targetLanguage: 'fr',
      tokenizer: 'words',
      lowercase: true,
    };
  }
  if (data === 'multi30k') {
    const dir = join(shared, 'translation/multi30k/tok');
    const src = options.sourceLanguage ?? 'de';
    const tgt = options.targetLanguage ?? 'en';
    const split = (stem: string) => readAligned(join(dir, `${stem}.lc.norm.tok.${src}`), join(dir, `${stem}.lc.norm.tok.${tgt}`));
    return { name: `multi30k-${src}-${tgt}`, train: split('train'), valid: split('val'), test: split('test_2016_flickr'), sourceLanguage: src, targetLanguage: tgt, tokenizer: 'whitespace', lowercase: true };
  }
  const read = (spec: string) => (spec.includes(',') ? readAligned(...(spec.split(',') as [string, string])) : readTsv(spec));
  const train = read(data);
  const valid = options.valid ? read(options.valid) : train.slice(0, Math.min(200, train.length));
  return {
    name: data,
    train,
    valid,
    ...(options.test ? { test: read(options.test) } : {}),
    sourceLanguage: options.sourceLanguage ?? 'en',
    targetLanguage: options.targetLanguage ?? 'fr',
    tokenizer: 'words',
    lowercase: true,
  };
}

export { tokensOf } from '../preprocess.js';

/** A source sentence with every reference translation it has in a split (Tatoeba has several). */
export interface GroupedReferences {
  source: string;
  references: string[];
}

/** Groups pairs by source text, keeping first-seen order. */
export function groupBySource(pairs: readonly TextPair[]): GroupedReferences[] {
  const map = new Map<string, string[]>();
  for (const p of pairs) {
    const list = map.get(p.source);
    if (list) list.push(p.target);
    else map.set(p.source, [p.target]);
  }
  return [...map].map(([source, references]) => ({ source, references }));
}

/**
 * At most `count` distinct sources of `pairs`, evenly spaced through the file, with all
 * their references. Tatoeba's files run from the shortest sentence to the longest, so
 * the first n sources would validate on three-word sentences only.
 */
export function spreadSample(pairs: readonly TextPair[], count: number): TextPair[] {
  const groups = groupBySource(pairs);
  const picked = groups.length <= count ? groups : Array.from({ length: count }, (_, i) => groups[Math.floor((i * groups.length) / count)]!);
  return picked.flatMap((g) => g.references.map((target) => ({ source: g.source, target })));
}
