/**
 * @cellstate/text: turning sentences into ids and back, for the sequence models.
 * Browser-safe (no Node APIs).
 *
 * - `tokenize` / `normalizeText`: a Unicode-aware word tokenizer for English, French
 *   and German (NFC, apostrophes, elisions and clitics, hyphens, numbers,
 *   punctuation, optional lower-casing).
 * - `detokenize`: tokens back to text with each language's punctuation spacing.
 * - `Vocabulary`: token <-> id with `<pad>`=0, `<unk>`=1, `<bos>`=2, `<eos>`=3, built
 *   with a minimum frequency and a maximum size; versioned JSON form.
 * - `padSequences`: a batch of id lists as one padded Int32Array plus lengths.
 *
 * @example
 * ```ts
 * import { tokenize, Vocabulary, padSequences, detokenize } from '@cellstate/text';
 * const corpus = ["J'ai froid.", "Il fait froid aujourd'hui."].map((s) => tokenize(s, { lowercase: true }));
 * const vocab = Vocabulary.build(corpus, { minFrequency: 1, maxSize: 8000 });
 * const batch = padSequences(corpus.map((t) => vocab.encode(t, { eos: true })));
 * detokenize(vocab.decode(batch.ids.subarray(0, batch.length)), { language: 'fr', capitalize: true }); // "J'ai froid."
 * ```
 */
export { tokenize, normalizeText, type TokenizeOptions } from './tokenizer.js';
export { detokenize, type DetokenizeOptions, type Language } from './detokenize.js';
export {
  Vocabulary,
  SPECIAL_TOKENS,
  PAD_ID,
  UNK_ID,
  BOS_ID,
  EOS_ID,
  VOCABULARY_FORMAT,
  VOCABULARY_VERSION,
  type VocabularyJSON,
  type BuildVocabularyOptions,
  type EncodeOptions,
  type DecodeOptions,
} from './vocabulary.js';
export { padSequences, type PadOptions, type PaddedBatch } from './pad.js';
export { VocabularyError, type VocabularyErrorCode } from './errors.js';
