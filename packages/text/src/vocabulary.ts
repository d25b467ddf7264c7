import { VocabularyError } from './errors.js';

/** The four special tokens every vocabulary starts with, in id order. */
export const SPECIAL_TOKENS = ['<pad>', '<unk>', '<bos>', '<eos>'] as const;
/** Padding id (always 0, so zero-filled buffers are padding). */
export const PAD_ID = 0;
/** Id of `<unk>`, what unknown tokens encode to. */
export const UNK_ID = 1;
/** Id of `<bos>` (beginning of sequence). */
export const BOS_ID = 2;
/** Id of `<eos>` (end of sequence). */
export const EOS_ID = 3;

/** `format` value of a serialized vocabulary. */
export const VOCABULARY_FORMAT = 'cellstate-vocabulary';
/** Version of the serialized form this code writes and reads. */
export const VOCABULARY_VERSION = 1;

/** The JSON form of a vocabulary (`toJSON` / `fromJSON`). */
export interface VocabularyJSON {
  format: typeof VOCABULARY_FORMAT;
  version: typeof VOCABULARY_VERSION;
  /** Every token by id; the first four are `SPECIAL_TOKENS`. */
  tokens: string[];
}

/** Options of `Vocabulary.build`. */
export interface BuildVocabularyOptions {
  /** Keep tokens seen at least this many times (default 1). */
  minFrequency?: number;
  /** Largest vocabulary size, specials included (default: no limit). Most frequent tokens win. */
  maxSize?: number;
}

/** Options of `Vocabulary.encode`. */
export interface EncodeOptions {
  /** Prepend `<bos>` (default false). */
  bos?: boolean;
  /** Append `<eos>` (default false). */
  eos?: boolean;
  /** Keep at most this many tokens of the input (before `<bos>`/`<eos>` are added). */
  maxLength?: number;
}

/** Options of `Vocabulary.decode`. */
export interface DecodeOptions {
  /** Stop at the first `<eos>` (default true). */
  stopAtEos?: boolean;
  /** Keep `<pad>`, `<bos>` and `<eos>` in the output (default false; `<unk>` is always kept). */
  keepSpecials?: boolean;
}

/**
 * A token <-> id map. Ids 0-3 are `<pad>`, `<unk>`, `<bos>`, `<eos>`; the rest are
 * tokens by descending frequency (ties in code-point order), so building is
 * deterministic. Unknown tokens encode to `<unk>`.
 *
 * @example
 * ```ts
 * const sentences = ['the cat sat', 'the dog sat'].map((s) => tokenize(s));
 * const vocab = Vocabulary.build(sentences, { minFrequency: 1 });
 * vocab.encode(['the', 'bird'], { bos: true, eos: true }); // [2, 4, 1, 3]
 * vocab.decode([4, 5, 3, 0]);                               // ['the', 'sat']
 * const copy = Vocabulary.fromJSON(JSON.parse(JSON.stringify(vocab)));
 * ```
 */
export class Vocabulary {
  readonly padId = PAD_ID;
  readonly unkId = UNK_ID;
  readonly bosId = BOS_ID;
  readonly eosId = EOS_ID;
  readonly #tokens: readonly string[];
  readonly #ids: Map<string, number>;

  /** From the full token list (ids = positions; the first four must be `SPECIAL_TOKENS`). */
  constructor(tokens: readonly string[]) {
    checkTokens(tokens, 'invalid-argument');
    this.#tokens = [...tokens];
    this.#ids = new Map(this.#tokens.map((t, i) => [t, i]));
  }

  /**
   * Counts tokens over tokenized sentences and keeps those seen `minFrequency` times
   * or more, the most frequent first, up to `maxSize` entries (specials included).
   * Special-token strings found in the text are not added twice.
   */
  static build(sentences: Iterable<readonly string[]>, options: BuildVocabularyOptions = {}): Vocabulary {
    const counts = new Map<string, number>();
    for (const sentence of sentences) for (const token of sentence) counts.set(token, (counts.get(token) ?? 0) + 1);
    return Vocabulary.fromCounts(counts, options);
  }

  /** Like `build`, from token counts. */
  static fromCounts(counts: ReadonlyMap<string, number>, options: BuildVocabularyOptions = {}): Vocabulary {
    const minFrequency = options.minFrequency ?? 1;
    const maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
    if (!(Number.isFinite(minFrequency) && minFrequency >= 0)) throw new VocabularyError('invalid-argument', `minFrequency must be a non-negative number, got ${minFrequency}`);
    if (!(maxSize >= SPECIAL_TOKENS.length)) throw new VocabularyError('invalid-argument', `maxSize must be at least ${SPECIAL_TOKENS.length} (the specials), got ${maxSize}`);
    const specials = new Set<string>(SPECIAL_TOKENS);
    const kept = [...counts]
      .filter(([token, n]) => n >= minFrequency && token !== '' && !specials.has(token))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxSize - SPECIAL_TOKENS.length)
      .map(([token]) => token);
    return new Vocabulary([...SPECIAL_TOKENS, ...kept]);
  }

  /**
   * Reads the form `toJSON` writes. Throws `VocabularyError` with code `wrong-kind`
   * (not a vocabulary), `wrong-version` or `invalid`, naming `source` when given.
   */
  static fromJSON(json: unknown, source?: string): Vocabulary {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new VocabularyError('wrong-kind', `expected a JSON object with format "${VOCABULARY_FORMAT}", got ${Array.isArray(json) ? 'an array' : typeof json}`, source);
    }
    const o = json as Record<string, unknown>;
    if (o.format !== VOCABULARY_FORMAT) {
      throw new VocabularyError('wrong-kind', `format is ${JSON.stringify(o.format ?? null)}, expected "${VOCABULARY_FORMAT}"`, source);
    }
    if (o.version !== VOCABULARY_VERSION) {
      throw new VocabularyError('wrong-version', `version ${JSON.stringify(o.version ?? null)} is not supported (this code reads version ${VOCABULARY_VERSION})`, source);
    }
    if (!Array.isArray(o.tokens) || o.tokens.some((t) => typeof t !== 'string')) {
      throw new VocabularyError('invalid', "'tokens' must be an array of strings", source);
    }
    checkTokens(o.tokens as string[], 'invalid', source);
    return new Vocabulary(o.tokens as string[]);
  }

  /** Number of entries, specials included. */
  get size(): number {
    return this.#tokens.length;
  }

  /** Every token by id (a copy). */
  get tokens(): string[] {
    return [...this.#tokens];
  }

  has(token: string): boolean {
    return this.#ids.has(token);
  }

  /** The id of `token`, or `unkId`. */
  idOf(token: string): number {
    return this.#ids.get(token) ?? UNK_ID;
  }

  /** The token of `id`; throws `VocabularyError` for an id outside [0, size). */
  tokenOf(id: number): string {
    const token = this.#tokens[id];
    if (token === undefined || !Number.isInteger(id)) throw new VocabularyError('invalid-argument', `id ${id} is outside [0, ${this.size})`);
    return token;
  }

  /** Tokens -> ids (unknown -> `<unk>`), optionally truncated and framed by `<bos>`/`<eos>`. */
  encode(tokens: readonly string[], options: EncodeOptions = {}): number[] {
    const n = options.maxLength === undefined ? tokens.length : Math.min(tokens.length, Math.max(0, options.maxLength));
    const ids: number[] = options.bos ? [BOS_ID] : [];
    for (let i = 0; i < n; i++) ids.push(this.idOf(tokens[i]!));
    if (options.eos) ids.push(EOS_ID);
    return ids;
  }

  /** Ids -> tokens, by default stopping at `<eos>` and dropping `<pad>`/`<bos>`/`<eos>`. */
  decode(ids: Iterable<number>, options: DecodeOptions = {}): string[] {
    const stopAtEos = options.stopAtEos ?? true;
    const keepSpecials = options.keepSpecials ?? false;
    const out: string[] = [];
    for (const id of ids) {
      if (id === EOS_ID && stopAtEos) break;
      if (!keepSpecials && (id === PAD_ID || id === BOS_ID || id === EOS_ID)) continue;
      out.push(this.tokenOf(id));
    }
    return out;
  }

  /** Share of `tokens` that are not in the vocabulary (0 for an empty list). */
  unknownRate(tokens: readonly string[]): number {
    if (tokens.length === 0) return 0;
    let unknown = 0;
    for (const t of tokens) if (!this.#ids.has(t)) unknown++;
    return unknown / tokens.length;
  }

  /** The versioned JSON form (`JSON.stringify(vocab)` uses it). */
  toJSON(): VocabularyJSON {
    return { format: VOCABULARY_FORMAT, version: VOCABULARY_VERSION, tokens: [...this.#tokens] };
  }
}

function checkTokens(tokens: readonly string[], code: 'invalid' | 'invalid-argument', source?: string): void {
  SPECIAL_TOKENS.forEach((s, i) => {
    if (tokens[i] !== s) throw new VocabularyError(code, `id ${i} must be ${s}, got ${JSON.stringify(tokens[i] ?? null)}`, source);
  });
  const seen = new Set<string>();
  for (const t of tokens) {
    if (seen.has(t)) throw new VocabularyError(code, `token ${JSON.stringify(t)} appears twice`, source);
    if (t === '') throw new VocabularyError(code, 'the empty string is not a token', source);
    seen.add(t);
  }
}
