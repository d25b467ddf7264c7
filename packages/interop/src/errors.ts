import { CellstateError, formatShapeForMessage } from './format.js';

/** What went wrong, as a stable code programs can switch on. */
export type InteropErrorCode =
  /** The bytes are not a file of the expected kind (bad zip, HDF5, protobuf or safetensors). */
  | 'invalid-file'
  /** A model config (cellstate's, Keras' or one inferred from an ONNX graph) is inconsistent. */
  | 'invalid-config'
  /** Well formed, but uses something cellstate cannot represent (a layer, an activation, a graph pattern). */
  | 'unsupported'
  /** The model needs a tensor the file does not have. */
  | 'missing-tensor'
  /** The file has a tensor the model does not (strict loads only). */
  | 'unexpected-tensor'
  /** A tensor's shape differs from what the model needs. */
  | 'shape-mismatch'
  /** A tensor's dtype cannot load into the parameter (an integer tensor for a float weight). */
  | 'dtype-mismatch'
  /** A float weight is NaN or ±Infinity (refused unless `allowNonFinite`). */
  | 'non-finite'
  /** The file would inflate or allocate beyond the loader's size budget (a zip bomb, a forged shape). */
  | 'too-large'
  /** An exporter was given something it cannot write. */
  | 'invalid-argument';

/** The format a loader or exporter was working on when it failed. */
export type InteropFormat = 'pytorch' | 'keras' | 'onnx' | 'cellstate';

export interface InteropErrorFields {
  /** The tensor (file-side name, with the cellstate name in the message where they differ). */
  tensor?: string;
  expected?: unknown;
  actual?: unknown;
  /** File name or label. */
  source?: string;
  cause?: unknown;
}

/**
 * An import or export failed. Loaders check everything before they change a model,
 * so when this is thrown the model is as it was. The message names the format, the
 * first problem, the tensor, the expected and the actual shape, and the source:
 *
 * ```
 * keras: tensor 'layers/lstm/cell/vars/0' (kernel of layer 'lstm') has the wrong shape; expected [3, 16]; got [3, 20] (in model.keras)
 * ```
 *
 * @example
 * ```ts
 * try {
 *   await loadPytorch(model, bytes);
 * } catch (e) {
 *   if (e instanceof InteropError && e.code === 'shape-mismatch') console.error(e.tensor, e.expected, e.actual);
 * }
 * ```
 */
export class InteropError extends CellstateError {
  readonly code: InteropErrorCode;
  readonly format: InteropFormat;
  readonly tensor?: string;
  readonly source?: string;

  constructor(format: InteropFormat, code: InteropErrorCode, detail: string, fields: InteropErrorFields = {}) {
    const parts = [`${format}: ${detail}`];
    if (fields.expected !== undefined) parts.push(`expected ${formatShapeForMessage(fields.expected)}`);
    if (fields.actual !== undefined) parts.push(`got ${formatShapeForMessage(fields.actual)}`);
    let message = parts.join('; ');
    if (fields.source !== undefined) message += ` (in ${fields.source})`;
    super(message, { op: `interop.${format}`, expected: fields.expected, actual: fields.actual, file: fields.source }, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.code = code;
    this.format = format;
    if (fields.tensor !== undefined) this.tensor = fields.tensor;
    if (fields.source !== undefined) this.source = fields.source;
  }
}
