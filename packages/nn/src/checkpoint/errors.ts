import { CellstateError } from '@cellstate/tensor';

/** What went wrong, as a stable code programs can switch on. */
export type CheckpointErrorCode =
  /** Fewer bytes than the header or a tensor needs. */
  | 'truncated'
  /** The header-size field is larger than the file or than `MAX_HEADER_SIZE`. */
  | 'header-too-large'
  /** The header is not UTF-8 JSON, or its JSON does not have the safetensors layout. */
  | 'invalid-header'
  /** The same tensor name appears twice in the header. */
  | 'duplicate-name'
  /** A dtype that is not a safetensors dtype, or one cellstate cannot read. */
  | 'unknown-dtype'
  /** `data_offsets` out of range, overlapping, leaving gaps, or not a multiple of the element size. */
  | 'invalid-offsets'
  /** shape x element size differs from the tensor's byte length. */
  | 'size-mismatch'
  /** A value cannot be represented (an I64 outside the int32 range, a BOOL byte other than 0/1). */
  | 'out-of-range'
  /** The file is well formed but does not fit the model or optimizer (names, shapes, dtypes). */
  | 'mismatch'
  /** A float tensor holds NaN or ±Infinity (refused on load and on save unless `allowNonFinite`). */
  | 'non-finite'
  /** Metadata is missing or cannot be decoded (training checkpoints). */
  | 'invalid-metadata'
  /** Something that cannot be written (bad name, shape, dtype or metadata value). */
  | 'invalid-argument'
  /** Reading or writing the file failed (Node helpers). */
  | 'io';

export interface CheckpointErrorFields {
  /** The file or label the bytes came from; named in the message. */
  source?: string;
  /** The tensor the problem is about. */
  tensor?: string;
  expected?: unknown;
  actual?: unknown;
  cause?: unknown;
}

/**
 * A checkpoint could not be read, written or applied. The message names the problem,
 * the tensor (where there is one) and the source file; `code` says which kind of
 * problem it is.
 *
 * @example
 * ```ts
 * try {
 *   await loadModel('model.safetensors', model);
 * } catch (e) {
 *   if (e instanceof CheckpointError && e.code === 'mismatch') console.error(e.message);
 * }
 * ```
 */
export class CheckpointError extends CellstateError {
  readonly code: CheckpointErrorCode;
  readonly source?: string;
  readonly tensor?: string;

  constructor(code: CheckpointErrorCode, detail: string, fields: CheckpointErrorFields = {}) {
    const parts = [`checkpoint: ${detail}`];
    if (fields.expected !== undefined) parts.push(`expected ${format(fields.expected)}`);
    if (fields.actual !== undefined) parts.push(`got ${format(fields.actual)}`);
    let message = parts.join('; ');
    if (fields.source !== undefined) message += ` (in ${fields.source})`;
    super(
      message,
      { op: 'checkpoint', expected: fields.expected, actual: fields.actual, file: fields.source },
      fields.cause === undefined ? undefined : { cause: fields.cause },
    );
    this.code = code;
    if (fields.source !== undefined) this.source = fields.source;
    if (fields.tensor !== undefined) this.tensor = fields.tensor;
  }
}

function format(value: unknown): string {
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return `[${value.join(', ')}]`;
  return String(value);
}
