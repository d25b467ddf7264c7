import { CellstateError } from '@cellstate/tensor';

/** What is wrong with a serialized vocabulary. */
export type VocabularyErrorCode =
  /** Not an object, or `format` is not `cellstate-vocabulary`. */
  | 'wrong-kind'
  /** A `version` this code does not read. */
  | 'wrong-version'
  /** The right kind and version, but the content is broken (specials, duplicates, types). */
  | 'invalid';

/**
 * A vocabulary could not be read (wrong kind, unsupported version, broken content)
 * or built (bad options). The message names the source (file) when one was given.
 *
 * @example
 * ```ts
 * try {
 *   Vocabulary.fromJSON(JSON.parse(text), 'vocab.json');
 * } catch (e) {
 *   if (e instanceof VocabularyError && e.code === 'wrong-version') console.error(e.message);
 * }
 * ```
 */
export class VocabularyError extends CellstateError {
  readonly code: VocabularyErrorCode | 'invalid-argument';
  readonly source?: string;

  constructor(code: VocabularyErrorCode | 'invalid-argument', detail: string, source?: string) {
    super(`vocabulary: ${detail}${source ? ` (in ${source})` : ''}`, { op: 'Vocabulary', ...(source ? { file: source } : {}) });
    this.code = code;
    if (source !== undefined) this.source = source;
  }
}
