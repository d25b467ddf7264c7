import { VocabularyError } from './errors.js';

/** Options of `padSequences`. */
export interface PadOptions {
  /** Cut longer sequences to this length (default: the longest sequence). */
  maxLength?: number;
  /** Fill value (default 0, `<pad>`). */
  padId?: number;
  /** 'batch' gives [B, T] row-major ids (default); 'time' gives [T, B]. */
  layout?: 'batch' | 'time';
  /** When cutting, keep the start (default) or the end of each sequence. */
  truncate?: 'end' | 'start';
}

/** A padded batch, ready for `tensor(ids, shape, { dtype: 'int32' })`. */
export interface PaddedBatch {
  /** Ids in `layout` order, padded with `padId`. */
  ids: Int32Array;
  /** Real length of each sequence after truncation [B]. */
  lengths: Int32Array;
  /** [B, T] or [T, B] following `layout`. */
  shape: [number, number];
  batchSize: number;
  length: number;
}

/**
 * Pads (and optionally truncates) id sequences to one length T (the longest, or
 * `maxLength`). T is at least 1, so a batch of empty sequences still makes a tensor.
 *
 * @example
 * ```ts
 * const { ids, lengths, shape } = padSequences([[5, 6, 7], [8]]);
 * // ids Int32Array [5, 6, 7, 8, 0, 0], lengths [3, 1], shape [2, 3]
 * const x = tensor(ids, shape, { dtype: 'int32' });
 * ```
 */
export function padSequences(sequences: readonly (readonly number[])[], options: PadOptions = {}): PaddedBatch {
  const padId = options.padId ?? 0;
  const layout = options.layout ?? 'batch';
  if (options.maxLength !== undefined && !(Number.isInteger(options.maxLength) && options.maxLength >= 1)) {
    throw new VocabularyError('invalid-argument', `padSequences: maxLength must be a positive integer, got ${options.maxLength}`);
  }
  const B = sequences.length;
  const longest = sequences.reduce((m, s) => Math.max(m, s.length), 0);
  const T = Math.max(1, options.maxLength === undefined ? longest : Math.min(longest, options.maxLength));
  const ids = new Int32Array(B * T).fill(padId);
  const lengths = new Int32Array(B);
  sequences.forEach((seq, b) => {
    const n = Math.min(seq.length, T);
    const from = options.truncate === 'start' ? seq.length - n : 0;
    lengths[b] = n;
    for (let t = 0; t < n; t++) ids[layout === 'batch' ? b * T + t : t * B + b] = seq[from + t]!;
  });
  return { ids, lengths, shape: layout === 'batch' ? [B, T] : [T, B], batchSize: B, length: T };
}
