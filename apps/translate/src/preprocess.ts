/** Text <-> tokens as a model's preprocessing says (browser-safe). */
import type { Preprocessing } from '@cellstate/seq2seq';
import { detokenize, tokenize, type Language } from '@cellstate/text';

/** Tokens of one side: the word tokenizer, or a plain split for pre-tokenized corpora. */
export function tokensOf(text: string, pre: Pick<Preprocessing, 'tokenizer' | 'lowercase'>): string[] {
  if (pre.tokenizer === 'whitespace') {
    const t = text.trim();
    const tokens = t === '' ? [] : t.split(/\s+/);
    return pre.lowercase ? tokens.map((x) => x.toLowerCase()) : tokens;
  }
  return tokenize(text, { lowercase: pre.lowercase });
}

/** Target tokens -> display text (capitalised when the model works lower-cased). */
export function textOf(tokens: readonly string[], pre: Pick<Preprocessing, 'tokenizer' | 'lowercase' | 'targetLanguage'>): string {
  if (pre.tokenizer === 'whitespace') return tokens.join(' ');
  const language = (['en', 'fr', 'de'].includes(pre.targetLanguage) ? pre.targetLanguage : 'en') as Language;
  return detokenize(tokens, { language, capitalize: pre.lowercase });
}
