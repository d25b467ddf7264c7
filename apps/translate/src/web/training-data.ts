/**
 * Data for training on the web page (browser-safe: no Node APIs): TSV parsing, the
 * built-in demo set, and `prepareTraining`, which turns the page's options into
 * vocabularies, id pairs and a model config. Both the worker (to train) and the page
 * (to rebuild the trained model from a checkpoint) call it; it is deterministic, so
 * they agree on vocabularies and config without sending them across.
 */
import { deriveSeed } from '@cellstate/nn';
import { permutation, type AttentionKind, type IdPair, type Preprocessing, type Seq2SeqConfig } from '@cellstate/seq2seq';
import { Vocabulary } from '@cellstate/text';
import { tokensOf } from '../preprocess.js';

/** A sentence pair as text. */
export interface TextPair {
  source: string;
  target: string;
}

/** What `parseTsv` found. */
export interface ParsedTsv {
  pairs: TextPair[];
  /** 1-based numbers of non-blank lines without a tab or with an empty side (left out). */
  skipped: number[];
}

/**
 * Reads `source<TAB>target` lines (extra columns are ignored, as in the manythings
 * files). Blank lines are ignored; lines without a tab or with an empty side are left
 * out and reported in `skipped`.
 *
 * @example
 * ```ts
 * parseTsv('one red cat\tun chat rouge\nno tab here\n'); // { pairs: [{ source: 'one red cat', target: 'un chat rouge' }], skipped: [2] }
 * ```
 */
export function parseTsv(text: string): ParsedTsv {
  const pairs: TextPair[] = [];
  const skipped: number[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const cols = line.split('\t');
    const source = cols[0]?.trim() ?? '';
    const target = cols[1]?.trim() ?? '';
    if (cols.length < 2 || source === '' || target === '') skipped.push(i + 1);
    else pairs.push({ source, target });
  });
  return { pairs, skipped };
}

/** Largest training file the page reads (bigger corpora are for the CLI, which streams them). */
export const MAX_WEB_TRAINING_BYTES = 64 * 2 ** 20;

/** Pairs back to TSV text. */
export function toTsv(pairs: readonly TextPair[]): string {
  return pairs.map((p) => `${p.source}\t${p.target}`).join('\n') + (pairs.length ? '\n' : '');
}

// The demo language pair: "<number> <colour> <noun>" phrases, optionally two joined by
// "and". French puts the adjective after the noun and marks the plural on both, so the
// model has to reorder and agree (visible in the attention heat map).
const NUMBERS: [string, string][] = [['one', 'un'], ['two', 'deux'], ['three', 'trois'], ['four', 'quatre'], ['five', 'cinq']];
const COLOURS: [string, string, string][] = [['red', 'rouge', 'rouges'], ['black', 'noir', 'noirs'], ['green', 'vert', 'verts'], ['blue', 'bleu', 'bleus'], ['white', 'blanc', 'blancs']];
const NOUNS: [string, string, string, string][] = [
  ['cat', 'cats', 'chat', 'chats'],
  ['dog', 'dogs', 'chien', 'chiens'],
  ['bird', 'birds', 'oiseau', 'oiseaux'],
  ['horse', 'horses', 'cheval', 'chevaux'],
  ['book', 'books', 'livre', 'livres'],
  ['tree', 'trees', 'arbre', 'arbres'],
];

function phrase(n: number, c: number, x: number): TextPair {
  const [en, fr] = NUMBERS[n]!;
  const [colour, adj, adjs] = COLOURS[c]!;
  const [noun, nouns, nom, noms] = NOUNS[x]!;
  const plural = n > 0;
  return { source: `${en} ${colour} ${plural ? nouns : noun}`, target: `${fr} ${plural ? noms : nom} ${plural ? adjs : adj}` };
}

/**
 * The built-in demo set (generated, deterministic): every one-phrase sentence
 * (5 numbers × 5 colours × 6 nouns = 150, e.g. "two red cats" → "deux chats rouges")
 * and `twoPhrase` sentences of two phrases joined by "and" / "et".
 */
export function demoPairs(twoPhrase = 250, seed = 1): TextPair[] {
  const pairs: TextPair[] = [];
  for (let n = 0; n < NUMBERS.length; n++) for (let c = 0; c < COLOURS.length; c++) for (let x = 0; x < NOUNS.length; x++) pairs.push(phrase(n, c, x));
  let a = seed >>> 0 || 1;
  const next = (k: number) => {
    // xorshift32: small, deterministic, the same in every JS engine.
    a ^= a << 13;
    a >>>= 0;
    a ^= a >>> 17;
    a ^= a << 5;
    a >>>= 0;
    return a % k;
  };
  const seen = new Set(pairs.map((p) => p.source));
  while (pairs.length < 150 + twoPhrase) {
    const p = phrase(next(NUMBERS.length), next(COLOURS.length), next(NOUNS.length));
    const q = phrase(next(NUMBERS.length), next(COLOURS.length), next(NOUNS.length));
    const pair = { source: `${p.source} and ${q.source}`, target: `${p.target} et ${q.target}` };
    if (seen.has(pair.source)) continue;
    seen.add(pair.source);
    pairs.push(pair);
  }
  return pairs;
}

/** What the page sends to the worker (structured-clone data) and what `prepareTraining` reads. */
export interface WebTrainingOptions {
  pairs: TextPair[];
  sourceLanguage: string;
  targetLanguage: string;
  /** Optimizer steps (one batch each). */
  steps: number;
  batchSize: number;
  hiddenSize: number;
  /** Default: half the hidden size (at least 8). */
  embeddingSize?: number;
  learningRate: number;
  /** Default 0 (tiny data sets learn faster without). */
  dropout?: number;
  /** Default 'dot'. */
  attention?: AttentionKind;
  /** Pairs with more tokens on either side are left out (default 20). */
  maxLength?: number;
  /** Pairs held out for the accuracy/BLEU at epoch ends (default 24; at most a fifth of the data). */
  heldOut?: number;
  /** Most words per vocabulary, specials included (default 8000). */
  maxVocabulary?: number;
  /** Seed of the weights, the held-out split and the data order (default 1). */
  seed?: number;
}

/** A held-out pair: its text and its source ids. */
export interface HeldOutPair extends TextPair {
  sourceIds: number[];
  targetTokens: string[];
}

/** Everything training needs, derived deterministically from `WebTrainingOptions`. */
export interface PreparedTraining {
  preprocessing: Preprocessing;
  sourceVocabulary: Vocabulary;
  targetVocabulary: Vocabulary;
  train: IdPair[];
  /** The training pairs as text (for examples on the page). */
  trainText: TextPair[];
  heldOut: HeldOutPair[];
  config: Seq2SeqConfig;
  batchSize: number;
  stepsPerEpoch: number;
  /** Pairs left out because a side was empty or longer than `maxLength` tokens. */
  tooLong: number;
  seed: number;
}

const LIMITS = { steps: [1, 1_000_000], batchSize: [1, 1024], hiddenSize: [4, 1024], embeddingSize: [2, 1024] } as const;

function checkInteger(name: keyof typeof LIMITS, value: number): void {
  const [lo, hi] = LIMITS[name];
  if (!Number.isInteger(value) || value < lo || value > hi) throw new RangeError(`${name} must be an integer from ${lo} to ${hi}, got ${value}`);
}

/**
 * Tokenizes (word tokenizer, lower-cased), drops pairs longer than `maxLength`, holds
 * out a seeded sample, builds both vocabularies from the training pairs and the model
 * config. Throws `RangeError` for unusable options or data.
 */
export function prepareTraining(options: WebTrainingOptions): PreparedTraining {
  checkInteger('steps', options.steps);
  checkInteger('batchSize', options.batchSize);
  checkInteger('hiddenSize', options.hiddenSize);
  const embeddingSize = options.embeddingSize ?? Math.max(8, Math.round(options.hiddenSize / 2));
  checkInteger('embeddingSize', embeddingSize);
  if (!(options.learningRate > 0 && options.learningRate < 1)) throw new RangeError(`learningRate must be between 0 and 1, got ${options.learningRate}`);
  const maxLength = options.maxLength ?? 20;
  const seed = options.seed ?? 1;
  const preprocessing: Preprocessing = {
    sourceLanguage: options.sourceLanguage,
    targetLanguage: options.targetLanguage,
    lowercase: true,
    tokenizer: 'words',
    maxSourceLength: maxLength,
    maxTargetLength: maxLength,
  };
  const tokenized = options.pairs
    .map((p) => ({ text: p, source: tokensOf(p.source, preprocessing), target: tokensOf(p.target, preprocessing) }))
    .filter((p) => p.source.length > 0 && p.target.length > 0 && p.source.length <= maxLength && p.target.length <= maxLength);
  const tooLong = options.pairs.length - tokenized.length;
  if (tokenized.length === 0) throw new RangeError(options.pairs.length === 0 ? 'no sentence pairs to train on' : `no usable sentence pairs: every pair has an empty side or more than ${maxLength} tokens`);
  const heldOutCount = Math.max(0, Math.min(options.heldOut ?? 24, Math.floor(tokenized.length / 5)));
  const order = permutation(tokenized.length, deriveSeed(seed, 7));
  const isHeldOut = new Uint8Array(tokenized.length);
  for (let i = 0; i < heldOutCount; i++) isHeldOut[order[i]!] = 1;
  const train = tokenized.filter((_, i) => !isHeldOut[i]);
  const held = tokenized.filter((_, i) => isHeldOut[i]);
  const maxSize = options.maxVocabulary ?? 8000;
  const sourceVocabulary = Vocabulary.build(train.map((p) => p.source), { maxSize });
  const targetVocabulary = Vocabulary.build(train.map((p) => p.target), { maxSize });
  const config: Seq2SeqConfig = {
    sourceVocabSize: sourceVocabulary.size,
    targetVocabSize: targetVocabulary.size,
    embeddingSize,
    hiddenSize: options.hiddenSize,
    numLayers: 1,
    attention: options.attention ?? 'dot',
    dropout: options.dropout ?? 0,
    tieEmbeddings: false,
    reverseSource: false,
    seed,
  };
  const batchSize = Math.min(options.batchSize, train.length);
  return {
    preprocessing,
    sourceVocabulary,
    targetVocabulary,
    train: train.map((p) => ({ source: sourceVocabulary.encode(p.source), target: targetVocabulary.encode(p.target) })),
    trainText: train.map((p) => p.text),
    heldOut: held.map((p) => ({ ...p.text, sourceIds: sourceVocabulary.encode(p.source), targetTokens: p.target })),
    config,
    batchSize,
    stepsPerEpoch: Math.ceil(train.length / batchSize),
    tooLong,
    seed,
  };
}
