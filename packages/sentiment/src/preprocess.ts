/**
 * Text -> tokens for sentiment models. Browser-safe.
 *
 * Order of the steps (each can be switched off in `PreprocessOptions`):
 * 1. Cut the raw text to `maxChars` characters (a 100,000-character text costs no more
 *    than a short one); `truncated` says so.
 * 2. HTML entities (`&amp;`, `&lt;`, `&#39;`, ...) decoded; U+FFFD (bytes that were not
 *    UTF-8) and `<br />` removed.
 * 3. URLs -> `<url>`, `@handles` -> `<user>`, emoticons `:)` `:-(` `:D` ... -> `<smile>` /
 *    `<sad>`; emoji lose skin-tone modifiers and variation selectors, so 👍🏽 and 👍 are
 *    one token (each emoji is its own token).
 * 4. The shared tokenizer of `@cellstate/text` (`don't` -> `do` `n't`; an already-split
 *    `does n't` gives the same tokens), lower-cased;
 *    tweet spellings without the apostrophe (`dont`, `cant`, `isnt`) become the same
 *    two tokens; letters repeated 3+ times are cut to two (`soooo` -> `soo`); numbers ->
 *    `<num>`; `#` of hashtags dropped (the word stays); punctuation dropped except `!`
 *    and `?`.
 * 5. Stop words removed with the `eng` list of the `stopword` npm package, but never
 *    the negations (`not`, `no`, `nor`, `never`, `n't`, `without`, `nothing`, ...) nor the
 *    contrast and degree words `but`, `too`, `very`, `only`, `more`, `most`, `like` (they
 *    flip or scale sentiment: "not good", "too late"); clitics `'s` `'re` ... are removed.
 * 6. At most `maxTokens` tokens are kept (the start); `truncated` says so.
 */
import { tokenize } from '@cellstate/text';
import { eng as STOPWORD_ENG } from 'stopword';

/** Words never removed as stop words: they negate what follows. */
export const NEGATIONS: readonly string[] = ['not', 'no', 'nor', 'never', "n't", 'without', 'nothing', 'none', 'nobody', 'neither', 'nowhere', 'cannot'];
/** Stop words kept because they change the strength or direction of sentiment. */
export const SENTIMENT_STOP_WORDS_KEPT: readonly string[] = ['but', 'too', 'very', 'only', 'more', 'most', 'against', 'like'];
/** Clitics removed with the stop words (`it's` -> `it` `'s`): they carry no sentiment. */
const CLITIC_STOP_WORDS = ["'s", "'m", "'re", "'ve", "'ll", "'d"];

/** Options of `preprocess` (all optional; the defaults are the shipped model's). */
export interface PreprocessOptions {
  /** Lower-case tokens (default true). */
  lowercase?: boolean;
  /** Remove stop words (default true); negations are always kept. */
  removeStopWords?: boolean;
  /** Stop-word list (default: the `stopword` package's `eng`). */
  stopWords?: readonly string[];
  /** Extra words that are never removed (added to `NEGATIONS` and `SENTIMENT_STOP_WORDS_KEPT`). */
  keepWords?: readonly string[];
  /** Cut the raw text to this many characters first (default 20,000). */
  maxChars?: number;
  /** Keep at most this many tokens (default 200). */
  maxTokens?: number;
  /** URLs -> `<url>`, handles -> `<user>`, numbers -> `<num>` (default true). */
  normalizeEntities?: boolean;
  /** Punctuation tokens that survive (default `!` and `?`); every other punctuation token is dropped. */
  keepPunctuation?: readonly string[];
}

/** The resolved options, as stored with a trained model (JSON-safe). */
export interface ResolvedPreprocessOptions {
  lowercase: boolean;
  removeStopWords: boolean;
  stopWords: string[] | 'stopword:eng';
  keepWords: string[];
  maxChars: number;
  maxTokens: number;
  normalizeEntities: boolean;
  keepPunctuation: string[];
}

/** What `preprocess` returns. */
export interface Preprocessed {
  tokens: string[];
  /** The text was longer than `maxChars` characters or gave more than `maxTokens` tokens. */
  truncated: boolean;
  /** The text held U+FFFD replacement characters (bytes that were not UTF-8), removed here. */
  hadInvalidBytes: boolean;
  /** Tokens before stop-word removal and truncation (for explanations). */
  allTokens: string[];
}

export function resolvePreprocessOptions(options: PreprocessOptions | ResolvedPreprocessOptions = {}): ResolvedPreprocessOptions {
  const stop = options.stopWords;
  return {
    lowercase: options.lowercase ?? true,
    removeStopWords: options.removeStopWords ?? true,
    stopWords: stop === undefined || stop === 'stopword:eng' ? 'stopword:eng' : [...(stop as readonly string[])],
    keepWords: [...(options.keepWords ?? [])],
    maxChars: options.maxChars ?? 20_000,
    maxTokens: options.maxTokens ?? 200,
    normalizeEntities: options.normalizeEntities ?? true,
    keepPunctuation: [...(options.keepPunctuation ?? ['!', '?'])],
  };
}

// Maps, not object literals: a word like "constructor" must not find Object.prototype's.
const ENTITIES = new Map<string, string>(Object.entries({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }));
const ENTITY = /&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,6});/gi;
const URL = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
const HANDLE = /(^|[^\p{L}\p{N}_])@[A-Za-z0-9_]{1,30}/gu;
const SMILE = /(^|\s)(?::-?\)|:-?D|;-?\)|:-?p|:-?P|=\)|\(:|<3|:'\))(?=\s|$|[!?.,])/g;
const SAD = /(^|\s)(?::-?\(|:'\(|:-?\/|:-?\||=\(|\):|D:)(?=\s|$|[!?.,])/g;
// Skin tones, variation selectors and tag characters (flag sequences) go; the base emoji stays.
const EMOJI_MODIFIERS = /[\u{1F3FB}-\u{1F3FF}\uFE0E\uFE0F\u{E0020}-\u{E007F}\u20E3]/gu;
const PLACEHOLDERS = new Map<string, string>(Object.entries({ xxurlxx: '<url>', xxuserxx: '<user>', xxsmilexx: '<smile>', xxsadxx: '<sad>' }));
const NO_APOSTROPHE_NEGATIONS = new Map<string, [string, string]>(Object.entries<[string, string]>({
  dont: ['do', "n't"], doesnt: ['does', "n't"], didnt: ['did', "n't"], cant: ['ca', "n't"], wont: ['wo', "n't"],
  isnt: ['is', "n't"], arent: ['are', "n't"], wasnt: ['was', "n't"], werent: ['were', "n't"], havent: ['have', "n't"],
  hasnt: ['has', "n't"], hadnt: ['had', "n't"], couldnt: ['could', "n't"], shouldnt: ['should', "n't"],
  wouldnt: ['would', "n't"], aint: ['ai', "n't"], mustnt: ['must', "n't"], neednt: ['need', "n't"],
}));
const PUNCTUATION = /^[\p{P}\p{S}]+$/u;
const EMOJI = /\p{Extended_Pictographic}/u;

const stopSetCache = new WeakMap<ResolvedPreprocessOptions, Set<string>>();
function stopSet(o: ResolvedPreprocessOptions): Set<string> {
  let s = stopSetCache.get(o);
  if (!s) {
    const list = o.stopWords === 'stopword:eng' ? STOPWORD_ENG : o.stopWords;
    const keep = new Set([...NEGATIONS, ...SENTIMENT_STOP_WORDS_KEPT, ...o.keepWords].map((w) => w.toLowerCase()));
    s = new Set([...list, ...CLITIC_STOP_WORDS].map((w) => w.toLowerCase()).filter((w) => !keep.has(w)));
    stopSetCache.set(o, s);
  }
  return s;
}

function decodeEntities(text: string): string {
  return text.replace(ENTITY, (m, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    }
    return ENTITIES.get(body.toLowerCase()) ?? m;
  });
}

/**
 * Turns one text into tokens (steps in the module comment).
 *
 * @example
 * ```ts
 * preprocess('@united the flight was NOT good :( http://t.co/x 2 hours late 😡🏽').tokens;
 * // ['<user>', 'flight', 'not', 'good', '<sad>', '<url>', '<num>', 'hours', 'late', '😡']
 * ```
 */
export function preprocess(text: string, options: PreprocessOptions | ResolvedPreprocessOptions = {}): Preprocessed {
  const o = isResolved(options) ? options : resolvePreprocessOptions(options);
  let truncated = false;
  let s = typeof text === 'string' ? text : String(text ?? '');
  if (s.length > o.maxChars) {
    s = s.slice(0, o.maxChars);
    truncated = true;
  }
  const hadInvalidBytes = s.includes('\uFFFD');
  s = decodeEntities(s.replace(/\uFFFD/g, ' ').replace(/<br\s*\/?>/gi, ' '));
  if (o.normalizeEntities) {
    s = s.replace(URL, ' xxurlxx ').replace(HANDLE, '$1 xxuserxx ');
    s = s.replace(SMILE, '$1 xxsmilexx ').replace(SAD, '$1 xxsadxx ');
  }
  s = s.replace(EMOJI_MODIFIERS, '');
  const raw = tokenize(s, { lowercase: false, splitHyphens: true });
  const keepPunct = new Set(o.keepPunctuation);
  const all: string[] = [];
  for (let token of raw) {
    if (o.lowercase) token = token.toLowerCase();
    if (token.startsWith('-') && token.length > 1) token = token.slice(1);
    const placeholder = PLACEHOLDERS.get(token.toLowerCase());
    if (placeholder && o.normalizeEntities) {
      all.push(placeholder);
      continue;
    }
    if (o.normalizeEntities && /^\p{N}/u.test(token)) {
      all.push('<num>');
      continue;
    }
    if (PUNCTUATION.test(token) && !EMOJI.test(token)) {
      if (keepPunct.has(token)) all.push(token);
      continue;
    }
    const split = NO_APOSTROPHE_NEGATIONS.get(token.toLowerCase());
    if (split) {
      all.push(...(o.lowercase ? split : [token.slice(0, split[0].length), "n't"]));
      continue;
    }
    all.push(token.replace(/(\p{L})\1{2,}/gu, '$1$1'));
  }
  const stops = o.removeStopWords ? stopSet(o) : null;
  let tokens = stops ? all.filter((t) => !stops.has(t.toLowerCase())) : all;
  if (tokens.length > o.maxTokens) {
    tokens = tokens.slice(0, o.maxTokens);
    truncated = true;
  }
  return { tokens, truncated, hadInvalidBytes, allTokens: all };
}

function isResolved(o: PreprocessOptions | ResolvedPreprocessOptions): o is ResolvedPreprocessOptions {
  return (
    typeof o.lowercase === 'boolean' &&
    typeof o.removeStopWords === 'boolean' &&
    typeof o.maxChars === 'number' &&
    typeof o.maxTokens === 'number' &&
    typeof o.normalizeEntities === 'boolean' &&
    Array.isArray(o.keepWords) &&
    Array.isArray(o.keepPunctuation) &&
    o.stopWords !== undefined
  );
}
