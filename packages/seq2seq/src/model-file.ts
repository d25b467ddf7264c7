/**
 * Translation model files: one safetensors file holding the parameters (float32 or
 * float16), the architecture, both vocabularies and the preprocessing options.
 * Browser-safe: works on bytes; the app reads and writes the files.
 *
 * Metadata (all strings):
 *
 * | key                    | value                                                     |
 * | ---------------------- | --------------------------------------------------------- |
 * | `format`               | `cellstate` (as every cellstate checkpoint)               |
 * | `cellstate.kind`       | `model`                                                   |
 * | `cellstate.version`    | `1`                                                       |
 * | `seq2seq.kind`         | `cellstate-seq2seq-model`                                 |
 * | `seq2seq.version`      | `1`                                                       |
 * | `seq2seq.config`       | JSON of the resolved `Seq2SeqConfig`                      |
 * | `seq2seq.source_vocab` | JSON of the source `Vocabulary`                           |
 * | `seq2seq.target_vocab` | JSON of the target `Vocabulary`                           |
 * | `seq2seq.preprocessing`| JSON of `Preprocessing` (tokenizer options, languages)    |
 * | `seq2seq.info`         | JSON of free-form training facts (steps, scores, command) |
 *
 * Parameters are stored under their `namedParameters()` names; with `dtype: 'F16'`
 * they are rounded to IEEE half precision (round to nearest even) on save and widened
 * back to float32 on load by @cellstate/nn's checkpoint reader.
 */
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, decodeInto, parseSafetensors, type CheckpointError } from '@cellstate/nn';
import { CellstateError, readMany } from '@cellstate/tensor';
import { Vocabulary, VocabularyError } from '@cellstate/text';
import { resolveConfig, type Seq2SeqConfig } from './config.js';
import { Seq2Seq } from './seq2seq-model.js';

export const MODEL_KIND = 'cellstate-seq2seq-model';
export const MODEL_VERSION = '1';

/** How text becomes tokens for this model (stored with it, applied by the app). */
export interface Preprocessing {
  sourceLanguage: string;
  targetLanguage: string;
  lowercase: boolean;
  /** Longest source (tokens) the model was trained on; longer input is truncated by the app. */
  maxSourceLength: number;
  /** Longest target (tokens) the model was trained on. */
  maxTargetLength: number;
  /** 'words': `tokenize` from @cellstate/text; 'whitespace': the text is already tokenized (split on spaces). */
  tokenizer: 'words' | 'whitespace';
}

/** What a model file holds, loaded. */
export interface LoadedModel {
  model: Seq2Seq;
  sourceVocabulary: Vocabulary;
  targetVocabulary: Vocabulary;
  preprocessing: Preprocessing;
  info: Record<string, unknown>;
}

/** A model file of the wrong kind or version, or with broken content. Names the file. */
export class ModelFileError extends CellstateError {
  readonly code: 'wrong-kind' | 'wrong-version' | 'invalid';
  readonly source?: string;
  constructor(code: 'wrong-kind' | 'wrong-version' | 'invalid', detail: string, source?: string, cause?: unknown) {
    super(`${source ?? 'model file'}: ${detail}`, { op: 'loadSeq2SeqModel', ...(source ? { file: source } : {}) }, cause === undefined ? undefined : { cause });
    this.code = code;
    if (source !== undefined) this.source = source;
  }
}

/** Options of `encodeSeq2SeqModel`. */
export interface EncodeModelFileOptions {
  /** 'F16' halves the file (default 'F32'). */
  dtype?: 'F32' | 'F16';
  info?: Record<string, unknown>;
}

/**
 * Serializes model, vocabularies and preprocessing as one safetensors file.
 *
 * @example
 * ```ts
 * const bytes = await encodeSeq2SeqModel({ model, sourceVocabulary, targetVocabulary, preprocessing }, { dtype: 'F16' });
 * const loaded = await decodeSeq2SeqModel(bytes, 'model.safetensors');
 * ```
 */
export async function encodeSeq2SeqModel(parts: Omit<LoadedModel, 'info'> & { info?: Record<string, unknown> }, options: EncodeModelFileOptions = {}): Promise<Uint8Array> {
  const { model, sourceVocabulary, targetVocabulary, preprocessing } = parts;
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    'cellstate.kind': 'model',
    'cellstate.version': CHECKPOINT_VERSION,
    'seq2seq.kind': MODEL_KIND,
    'seq2seq.version': MODEL_VERSION,
    'seq2seq.config': JSON.stringify(model.config),
    'seq2seq.source_vocab': JSON.stringify(sourceVocabulary),
    'seq2seq.target_vocab': JSON.stringify(targetVocabulary),
    'seq2seq.preprocessing': JSON.stringify(preprocessing),
    'seq2seq.info': JSON.stringify(options.info ?? parts.info ?? {}),
  };
  const params = model.namedParameters();
  const values = await readMany(params.map(([, p]) => p.value));
  return writeSafetensors(
    params.map(([name, p], i) => ({ name, shape: [...p.shape], data: values[i] as Float32Array })),
    metadata,
    options.dtype ?? 'F32',
  );
}

/**
 * Reads a model file: checks its kind and version, rebuilds the model from the stored
 * config and loads the weights (all checks before anything is built). Throws
 * `ModelFileError` naming `source` for a wrong kind (a training checkpoint, a plain
 * model file, another format), a wrong version, or broken metadata; safetensors-level
 * problems surface as @cellstate/nn's `CheckpointError` (also naming `source`).
 */
export async function decodeSeq2SeqModel(bytes: Uint8Array, source?: string): Promise<LoadedModel> {
  const { metadata } = parseSafetensors(bytes, source === undefined ? {} : { source });
  const kind = metadata['seq2seq.kind'];
  if (kind !== MODEL_KIND) {
    const what = metadata['cellstate.kind'] === 'training' ? 'a cellstate training checkpoint' : kind ? `a '${kind}' file` : metadata.format === CHECKPOINT_FORMAT ? `a cellstate '${metadata['cellstate.kind'] ?? 'unknown'}' file without translation metadata` : 'a safetensors file without cellstate metadata';
    throw new ModelFileError('wrong-kind', `not a translation model: it is ${what} (expected metadata seq2seq.kind = "${MODEL_KIND}")`, source);
  }
  if (metadata['seq2seq.version'] !== MODEL_VERSION) {
    throw new ModelFileError('wrong-version', `translation model format version ${JSON.stringify(metadata['seq2seq.version'] ?? null)} is not supported (this code reads version ${MODEL_VERSION})`, source);
  }
  const json = (key: string): unknown => {
    const raw = metadata[key];
    if (raw === undefined) throw new ModelFileError('invalid', `metadata '${key}' is missing`, source);
    try {
      return JSON.parse(raw);
    } catch (cause) {
      throw new ModelFileError('invalid', `metadata '${key}' is not valid JSON`, source, cause);
    }
  };
  let config: Seq2SeqConfig;
  let sourceVocabulary: Vocabulary;
  let targetVocabulary: Vocabulary;
  try {
    config = resolveConfig(json('seq2seq.config') as Seq2SeqConfig);
    sourceVocabulary = Vocabulary.fromJSON(json('seq2seq.source_vocab'), source);
    targetVocabulary = Vocabulary.fromJSON(json('seq2seq.target_vocab'), source);
  } catch (cause) {
    if (cause instanceof ModelFileError) throw cause;
    const detail = cause instanceof VocabularyError ? cause.message : `metadata 'seq2seq.config' is invalid: ${(cause as Error).message}`;
    throw new ModelFileError('invalid', detail, source, cause);
  }
  if (sourceVocabulary.size !== config.sourceVocabSize || targetVocabulary.size !== config.targetVocabSize) {
    throw new ModelFileError('invalid', `vocabulary sizes (${sourceVocabulary.size}, ${targetVocabulary.size}) differ from the config (${config.sourceVocabSize}, ${config.targetVocabSize})`, source);
  }
  const preprocessing = json('seq2seq.preprocessing') as Preprocessing;
  const info = (metadata['seq2seq.info'] === undefined ? {} : json('seq2seq.info')) as Record<string, unknown>;
  const model = new Seq2Seq(config);
  try {
    await decodeInto(model, bytes, source === undefined ? {} : { source });
  } catch (cause) {
    model.dispose();
    throw cause as CheckpointError;
  }
  model.eval();
  return { model, sourceVocabulary, targetVocabulary, preprocessing, info };
}

/** IEEE 754 binary16 bits of a float32 value (round to nearest, ties to even). */
export function toFloat16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf / NaN
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> ±0
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++; // may carry into the exponent: still correct
  return sign | half;
}

function writeSafetensors(entries: { name: string; shape: number[]; data: Float32Array }[], metadata: Record<string, string>, dtype: 'F32' | 'F16'): Uint8Array {
  const width = dtype === 'F16' ? 2 : 4;
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const e of entries) {
    const bytes = e.data.length * width;
    header[e.name] = { dtype, shape: e.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const e of entries) {
    if (dtype === 'F32') {
      for (let i = 0; i < e.data.length; i++, at += 4) view.setFloat32(at, e.data[i]!, true);
    } else {
      for (let i = 0; i < e.data.length; i++, at += 2) view.setUint16(at, toFloat16Bits(e.data[i]!), true);
    }
  }
  return out;
}
