/**
 * Joins tokens made by `tokenize` back into text, following each language's
 * spacing conventions.
 */

/** Languages whose punctuation spacing `detokenize` knows. */
export type Language = 'en' | 'fr' | 'de';

/** Options of `detokenize`. */
export interface DetokenizeOptions {
  /**
   * Spacing convention (default 'en'). 'fr' puts a space before `! ? : ;` and `»` and
   * after `«` (as the Tatoeba French sentences do); 'en' and 'de' attach them.
   */
  language?: Language;
  /** Upper-case the first letter of the text (default false). */
  capitalize?: boolean;
}

const ATTACH_LEFT = new Set(['.', ',', ')', ']', '}', '%', '...', '…', '..']);
const ATTACH_LEFT_NOT_FR = new Set(['!', '?', ':', ';']);
const ATTACH_RIGHT = new Set(['(', '[', '{', '¿', '¡']);

/**
 * Joins tokens into a sentence: no space before `. , ) ] } %` (and, except in
 * French, `! ? : ;`), none after `( [ {`, none after an elision (`l'`, `qu'`), none
 * before a clitic (`'s`, `n't`) or a hyphen piece (`-toi`); straight double quotes
 * alternate between opening and closing.
 *
 * @example
 * ```ts
 * detokenize(["j'", 'ai', 'froid', '.'], { language: 'fr', capitalize: true }); // "J'ai froid."
 * detokenize(['arrête', '-toi', '!'], { language: 'fr' });                      // "arrête-toi !"
 * detokenize(['i', 'do', "n't", 'know', '.']);                                  // "i don't know."
 * ```
 */
export function detokenize(tokens: readonly string[], options: DetokenizeOptions = {}): string {
  const french = options.language === 'fr';
  let text = '';
  let glueNext = true; // no space before the first token
  let quoteOpen = false;
  for (const token of tokens) {
    if (token === '') continue;
    let attachLeft = ATTACH_LEFT.has(token) || token.startsWith("'") || token.toLowerCase() === "n't" || /^-\p{L}/u.test(token);
    if (!french && ATTACH_LEFT_NOT_FR.has(token)) attachLeft = true;
    if (french && token === '»') attachLeft = false;
    let attachRight = ATTACH_RIGHT.has(token) || (token.length > 1 && token.endsWith("'")) || token === "'";
    if (french && token === '«') attachRight = false;
    if (token === '"') {
      if (quoteOpen) attachLeft = true;
      else attachRight = true;
      quoteOpen = !quoteOpen;
    }
    text += glueNext || attachLeft ? token : ` ${token}`;
    glueNext = attachRight;
  }
  if (options.capitalize) text = text.replace(/\p{L}/u, (c) => c.toUpperCase());
  return text;
}
