import { tensor } from '@cellstate/tensor';
import { SPECIAL_TOKENS } from '@cellstate/text';
import { SentimentError, type SentimentClassifier } from './classifier.js';

/** Pretrained vectors read from GloVe / word2vec text format. */
export interface WordVectors {
  dim: number;
  vectors: Map<string, Float32Array>;
  /** Lines read (header excluded). */
  lines: number;
  /** Lines that were skipped (wrong number of values, non-numbers), at most 20 kept. */
  errors: { line: number; message: string }[];
  skipped: number;
}

/**
 * Parses word vectors in the common text format: one `word v1 v2 ... vD` per line,
 * separated by spaces; word2vec's optional first line `count dim` is recognised and
 * skipped. Only words for which `keep(word)` is true are stored (pass the vocabulary's
 * `has` to avoid holding a 400k-word file in memory). Bad lines are skipped and listed.
 *
 * @example
 * ```ts
 * const wv = parseWordVectors(text.split('\n'), { keep: (w) => vocab.has(w) || vocab.has(w.toLowerCase()) });
 * ```
 */
export function parseWordVectors(lines: Iterable<string>, options: { keep?: (word: string) => boolean; source?: string } = {}): WordVectors {
  const vectors = new Map<string, Float32Array>();
  const errors: { line: number; message: string }[] = [];
  let dim = 0;
  let lineNo = 0;
  let read = 0;
  let skipped = 0;
  const bad = (message: string) => {
    skipped++;
    if (errors.length < 20) errors.push({ line: lineNo, message });
  };
  for (const raw of lines) {
    lineNo++;
    const line = raw.replace(/\r$/, '').trimEnd();
    if (!line) continue;
    const parts = line.split(' ');
    if (lineNo === 1 && parts.length === 2 && /^\d+$/.test(parts[0]!) && /^\d+$/.test(parts[1]!)) {
      dim = Number(parts[1]);
      continue;
    }
    read++;
    const word = parts[0]!;
    const values = parts.length - 1;
    if (dim === 0) dim = values;
    if (values !== dim) {
      bad(`expected ${dim} values after the word, got ${values}`);
      continue;
    }
    if (options.keep && !options.keep(word)) continue;
    const v = new Float32Array(dim);
    let ok = true;
    for (let i = 0; i < dim; i++) {
      const x = Number(parts[i + 1]);
      if (!Number.isFinite(x)) {
        ok = false;
        break;
      }
      v[i] = x;
    }
    if (!ok) {
      bad(`a value is not a number`);
      continue;
    }
    if (!vectors.has(word)) vectors.set(word, v);
  }
  if (dim === 0) throw new SentimentError('invalid-data', `${options.source ?? 'word vectors'}: no vectors found (expected lines "word v1 v2 ...")`);
  return { dim, vectors, lines: read, errors, skipped };
}

/** What `applyWordVectors` matched. */
export interface WordVectorMatch {
  /** Vocabulary words (specials excluded). */
  vocabularyWords: number;
  matched: number;
  /** Of those, matched only through lower-casing. */
  matchedLowercase: number;
  coverage: number;
  /** Up to 20 vocabulary words without a vector (most frequent first). */
  unmatchedExamples: string[];
}

/**
 * Copies pretrained vectors into the classifier's embedding rows (exact word first,
 * then case-insensitively). Rows without a vector keep their initial values. The vectors'
 * size must equal the embedding size. `freeze: true` stops the embedding from training.
 */
export async function applyWordVectors(clf: SentimentClassifier, wv: WordVectors, options: { freeze?: boolean } = {}): Promise<WordVectorMatch> {
  const emb = clf.model.embedding;
  const E = emb.embeddingDim;
  if (wv.dim !== E) throw new SentimentError('invalid-argument', `the word vectors have ${wv.dim} dimensions but the model's embedding has ${E}; create the model with embeddingDim: ${wv.dim}`);
  const weights = Float32Array.from((await emb.weight.value.data()) as Float32Array);
  const tokens = clf.vocabulary.tokens;
  let matched = 0;
  let matchedLowercase = 0;
  const unmatched: string[] = [];
  let lower: Map<string, Float32Array> | undefined;
  const byLowercase = (word: string) => {
    if (!lower) {
      lower = new Map();
      for (const [w, v] of wv.vectors) if (!lower.has(w.toLowerCase())) lower.set(w.toLowerCase(), v);
    }
    return lower.get(word.toLowerCase());
  };
  for (let id = SPECIAL_TOKENS.length; id < tokens.length; id++) {
    const word = tokens[id]!;
    let v = wv.vectors.get(word);
    if (!v) {
      v = byLowercase(word);
      if (v) matchedLowercase++;
    }
    if (v) {
      weights.set(v, id * E);
      matched++;
    } else if (unmatched.length < 20) unmatched.push(word);
  }
  emb.weight.assign(tensor(weights, [tokens.length, E], { backend: emb.weight.value.backend }));
  if (options.freeze) emb.weight.setTrainable(false);
  const vocabularyWords = tokens.length - SPECIAL_TOKENS.length;
  return { vocabularyWords, matched, matchedLowercase, coverage: vocabularyWords ? matched / vocabularyWords : 0, unmatchedExamples: unmatched };
}

/**
 * The classifier's learned word vectors in the GloVe text format (`word v1 ... vD`, one
 * line per vocabulary word, specials left out), so that a model trained on one corpus
 * can seed another through `parseWordVectors` + `applyWordVectors` (e.g. IMDB reviews
 * -> SST-2 sentences). Values keep 6 significant digits.
 *
 * @example
 * ```ts
 * const text = (await formatWordVectors(imdbModel)).join('\n');
 * const wv = parseWordVectors(text.split('\n'), { keep: (w) => sst.vocabulary.has(w) });
 * await applyWordVectors(sst, wv);
 * ```
 */
export async function formatWordVectors(clf: SentimentClassifier): Promise<string[]> {
  const E = clf.model.embedding.embeddingDim;
  const weights = (await clf.model.embedding.weight.value.data()) as Float32Array;
  const tokens = clf.vocabulary.tokens;
  const lines: string[] = [];
  for (let id = SPECIAL_TOKENS.length; id < tokens.length; id++) {
    const word = tokens[id]!;
    // The format separates fields by spaces: a token with whitespace cannot be written.
    if (/\s/.test(word)) continue;
    const parts = [word];
    for (let i = 0; i < E; i++) parts.push(String(Number(weights[id * E + i]!.toPrecision(6))));
    lines.push(parts.join(' '));
  }
  return lines;
}
