/**
 * A rule-based word tokenizer for English, French and German (and other languages
 * written with letters and spaces). No dictionary, no Node APIs.
 *
 * Rules, in order:
 * 1. `normalizeText`: Unicode NFC (so "é" typed as e + combining accent equals the
 *    precomposed "é"), typographic apostrophes (’ ‘ ʼ ´) become `'`, curly double
 *    quotes (“ ” „) become `"`, no-break and thin spaces become spaces, zero-width
 *    characters and control characters are removed.
 * 2. Scan: numbers (`3.14`, `1,000`, `10:30`, with a letter suffix: `1st`, `2e`), words
 *    (letters with combining marks and digits, joined by inner apostrophes and
 *    hyphens: `l'homme`, `aujourd'hui`, `Arrête-toi`), `...`, and every other
 *    non-space character on its own (punctuation, symbols, emoji).
 * 3. Hyphens (`splitHyphens`, default true): `Arrête-toi` → `Arrête` `-toi`; the
 *    hyphen stays on the following piece so `detokenize` can glue it back.
 * 4. Apostrophes (`splitClitics`, default true):
 *    - French elision: a prefix l, d, j, m, n, s, t, c, ç, qu, jusqu, lorsqu, puisqu,
 *      quoiqu splits after the apostrophe: `l'homme` → `l'` `homme`, `qu'il` → `qu'` `il`,
 *      `jusqu'à` → `jusqu'` `à`.
 *    - English (and German) clitics: `n't`, `'s`, `'m`, `'re`, `'ve`, `'ll`, `'d` split
 *      off as in the Penn Treebank: `don't` → `do` `n't`, `I'm` → `I` `'m`,
 *      `geht's` → `geht` `'s`.
 *    - Anything else keeps its apostrophe inside: `aujourd'hui`, `o'clock`,
 *      `quelqu'un`, `prud'homme`.
 * 5. `lowercase` (default false) lower-cases every token (locale-independent).
 */

/** Options of `tokenize`. */
export interface TokenizeOptions {
  /** Lower-case every token (default false). */
  lowercase?: boolean;
  /** Split French elisions and English clitics at apostrophes (default true). */
  splitClitics?: boolean;
  /** Split hyphenated words, keeping the hyphen on the following piece (default true). */
  splitHyphens?: boolean;
}

const APOSTROPHES = /[\u2019\u2018\u02BC\u00B4\u2032]/g;
const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F\u2033]/g;
const SPACES = /[\u00A0\u2000-\u200A\u202F\u205F\u3000\t\r\n\f\v]/g;
// Zero-width characters, BOM, and C0/C1 controls other than the whitespace above.
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u0000-\u0008\u000E-\u001F\u007F-\u009F]/g;

/**
 * Unicode NFC plus the character mapping the tokenizer relies on (see the module
 * comment). Idempotent.
 *
 * @example
 * ```ts
 * normalizeText('J\u2019ai\u00A0froid'); // "J'ai froid"
 * normalizeText('e\u0301te\u0301');      // "été" (NFC)
 * ```
 */
export function normalizeText(text: string): string {
  return text.normalize('NFC').replace(INVISIBLE, '').replace(APOSTROPHES, "'").replace(DOUBLE_QUOTES, '"').replace(SPACES, ' ');
}

const NUMBER = String.raw`\p{N}+(?:[.,:]\p{N}+)*(?:\p{L}+)?`;
const PIECE = String.raw`[\p{L}\p{N}][\p{L}\p{M}\p{N}]*`;
const WORD = String.raw`\p{L}[\p{L}\p{M}\p{N}]*(?:['\-]${PIECE})*`;
// A clitic standing alone, as in already-tokenised (Penn Treebank style) text: "John 's".
const CLITIC = String.raw`'(?:[sSmMdD]|[rR][eE]|[vV][eE]|[lL][lL])(?![\p{L}\p{M}\p{N}'])`;
const TOKEN = new RegExp(String.raw`${NUMBER}|${WORD}|${CLITIC}|\.{2,}|\S`, 'gu');

const ELISIONS = new Set(['l', 'd', 'j', 'm', 'n', 's', 't', 'c', 'ç', 'qu', 'jusqu', 'lorsqu', 'puisqu', 'quoiqu']);
const KEEP_WHOLE = new Set(["aujourd'hui", "quelqu'un", "quelqu'une", "presqu'île", "prud'homme", "prud'hommes", "entr'acte"]);
const CLITICS = new Set(['s', 'm', 're', 've', 'll', 'd']);

function splitApostrophes(piece: string, out: string[]): void {
  let rest = piece;
  // Already split off ("do n't" in tokenised corpora): not the French elision "n'" + "t".
  if (rest.toLowerCase() === "n't") {
    out.push(rest);
    return;
  }
  // French elisions, possibly several: "qu'aujourd'hui" -> "qu'" + "aujourd'hui".
  for (;;) {
    const at = rest.indexOf("'");
    if (at <= 0 || at === rest.length - 1 || KEEP_WHOLE.has(rest.toLowerCase())) break;
    const prefix = rest.slice(0, at);
    if (!ELISIONS.has(prefix.toLowerCase())) break;
    out.push(`${prefix}'`);
    rest = rest.slice(at + 1);
  }
  const last = rest.lastIndexOf("'");
  if (last > 0 && !KEEP_WHOLE.has(rest.toLowerCase())) {
    const head = rest.slice(0, last);
    const tail = rest.slice(last + 1);
    const lowerTail = tail.toLowerCase();
    if (lowerTail === 't' && head.length > 1 && head.slice(-1).toLowerCase() === 'n') {
      out.push(head.slice(0, -1), `${head.slice(-1)}'${tail}`);
      return;
    }
    if (CLITICS.has(lowerTail)) {
      out.push(head, `'${tail}`);
      return;
    }
  }
  out.push(rest);
}

/**
 * Splits text into word and punctuation tokens (rules in the module comment).
 * Whitespace-only or empty text gives `[]`.
 *
 * @example
 * ```ts
 * tokenize("L'homme n'est pas là, aujourd'hui !");
 * // ["L'", "homme", "n'", "est", "pas", "là", ",", "aujourd'hui", "!"]
 * tokenize("I don't know.", { lowercase: true });
 * // ["i", "do", "n't", "know", "."]
 * tokenize('Wie geht\u2019s? Straße 3,5 km');
 * // ["Wie", "geht", "'s", "?", "Straße", "3,5", "km"]
 * ```
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const splitClitics = options.splitClitics ?? true;
  const splitHyphens = options.splitHyphens ?? true;
  const out: string[] = [];
  for (const match of normalizeText(text).matchAll(TOKEN)) {
    const token = match[0];
    const isWord = /^\p{L}/u.test(token) && token.length > 1;
    if (!isWord) {
      out.push(token);
      continue;
    }
    const pieces = splitHyphens ? token.split(/(?=-)/) : [token];
    for (const piece of pieces) {
      if (splitClitics && piece.includes("'")) {
        if (piece.startsWith('-')) {
          const parts: string[] = [];
          splitApostrophes(piece.slice(1), parts);
          parts[0] = `-${parts[0]}`;
          out.push(...parts);
        } else splitApostrophes(piece, out);
      } else out.push(piece);
    }
  }
  return options.lowercase ? out.map((t) => t.toLowerCase()) : out;
}
