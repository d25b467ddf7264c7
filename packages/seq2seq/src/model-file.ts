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
 * back to float32 on load by @cellstate/nn's checkpoint reader. With `dtype: 'Q8'` the
 * large matrices (embeddings, LSTM and output weights) are stored as I8 with one F32
 * scale per row (`<name>.q8_scale`, max |row| / 127) and listed in the metadata key
 * `seq2seq.quantized`; everything else is F16. With `dtype: 'Q4'` those matrices are
 * packed 4-bit codes (`U8 [rows, cols / 2]`) with an F16 step and offset per 32
 * columns (`<name>.q4_scale`, @cellstate/nn's `quantizeGroupsQ4`). Loading multiplies them back
 * to float32.
 */
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, CheckpointError, decodeInto, dequantizeMatrix, floatToHalf, narrowTensors, parseSafetensors, Q4_SCALE_SUFFIX, Q8_SCALE_SUFFIX, scaleSuffixOf, serializeSafetensors, withoutInitialization, type WeightsFileDType } from '@cellstate/nn';
import { CellstateError, readMany, tensor, type Tensor } from '@cellstate/tensor';
import { Vocabulary, VocabularyError } from '@cellstate/text';
import * as v from 'valibot';
import { resolveConfig, seq2seqParameterCount, SEQ2SEQ_LIMITS, type ResolvedSeq2SeqConfig, type Seq2SeqConfig } from './config.js';
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
  /**
   * 'F16' halves the file; 'Q8' quarters the large matrices (int8 with a scale per row)
   * and stores the rest as F16; 'Q4' stores those matrices in 5 bits a weight (4-bit
   * codes, a half-precision step and offset per 32 columns), for a file under 60 % of Q8's
   * (default 'F32').
   */
  dtype?: WeightsFileDType;
  info?: Record<string, unknown>;
  /** Write parameters holding NaN or ±Infinity (default false: a diverged model is refused with a `CheckpointError` of code `non-finite`). */
  allowNonFinite?: boolean;
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
  const dtype = options.dtype ?? 'F32';
  params.forEach(([name], i) => {
    const data = values[i] as Float32Array;
    if (!options.allowNonFinite) {
      const bad = data.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new CheckpointError('non-finite', `cannot write: tensor '${name}' holds ${data[bad]} at index ${bad}; a diverged model is not saved`, { tensor: name });
    }
  });
  const { tensors, quantized } = narrowTensors(params.map(([name, p], i) => [name, p.shape, values[i] as Float32Array] as const), dtype);
  if (quantized.length) metadata['seq2seq.quantized'] = JSON.stringify(quantized);
  // Parameter order, not name order: the files have always been written this way (the shipped model's bytes).
  return serializeSafetensors(tensors, metadata, { order: 'insertion' });
}

/** Options of `decodeSeq2SeqModel`. */
export interface DecodeModelFileOptions {
  /**
   * Load weights holding NaN or ±Infinity (default false: such a file is refused
   * with @cellstate/nn's `CheckpointError` of code `non-finite` naming the tensor,
   * since every translation of the model would be garbage).
   */
  allowNonFinite?: boolean;
}

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/** `seq2seq.config`: every size bounded before anything is multiplied or allocated. */
const ConfigSchema = v.object({
  sourceVocabSize: int(4, SEQ2SEQ_LIMITS.vocabSize),
  targetVocabSize: int(4, SEQ2SEQ_LIMITS.vocabSize),
  embeddingSize: v.optional(int(1, SEQ2SEQ_LIMITS.size)),
  hiddenSize: v.optional(int(1, SEQ2SEQ_LIMITS.size)),
  decoderHiddenSize: v.optional(int(1, SEQ2SEQ_LIMITS.size)),
  numLayers: v.optional(int(1, SEQ2SEQ_LIMITS.numLayers)),
  bidirectional: v.optional(v.boolean()),
  attention: v.optional(v.picklist(['none', 'dot', 'general', 'additive'])),
  bridge: v.optional(v.picklist(['identity', 'sum', 'concat', 'linear'])),
  dropout: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  tieEmbeddings: v.optional(v.boolean()),
  reverseSource: v.optional(v.boolean()),
  seed: v.optional(int(0, Number.MAX_SAFE_INTEGER)),
});

/** `seq2seq.preprocessing`. */
const PreprocessingSchema = v.object({
  sourceLanguage: v.string(),
  targetLanguage: v.string(),
  lowercase: v.boolean(),
  maxSourceLength: int(1, 1_000_000),
  maxTargetLength: int(1, 1_000_000),
  tokenizer: v.picklist(['words', 'whitespace']),
});

const PlainObjectSchema = v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), 'expected a JSON object');
const NameListSchema = v.array(v.string());

/** "key.path: message" of the first problem valibot found. */
function firstIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0]!;
  const path = issue.path?.map((p) => String(p.key)).join('.');
  return `${path ? `${path}: ` : ''}${issue.message}`;
}

/**
 * Reads a model file: checks its kind and version, validates the metadata against
 * its schema, checks that the stored config describes exactly the parameters the
 * file holds (so a forged `numLayers: 10000` fails before anything is allocated),
 * rebuilds the model and loads the weights. Throws `ModelFileError` naming `source`
 * for a wrong kind (a training checkpoint, a plain model file, another format), a
 * wrong version, or broken metadata; safetensors-level problems and non-finite
 * weights surface as @cellstate/nn's `CheckpointError` (also naming `source`).
 */
export async function decodeSeq2SeqModel(bytes: Uint8Array, source?: string, options: DecodeModelFileOptions = {}): Promise<LoadedModel> {
  try {
    return await decode(bytes, source, options);
  } catch (cause) {
    if (CellstateError.isInstance(cause)) throw cause;
    // Anything untyped (a RangeError from a size that slipped through) still names the file.
    throw new ModelFileError('invalid', `cannot load the model: ${cause instanceof Error ? cause.message : String(cause)}`, source, cause);
  }
}

async function decode(bytes: Uint8Array, source: string | undefined, options: DecodeModelFileOptions): Promise<LoadedModel> {
  const { metadata, tensors } = parseSafetensors(bytes, source === undefined ? {} : { source });
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
  const checked = <S extends v.GenericSchema>(key: string, schema: S, value: unknown = json(key)): v.InferOutput<S> => {
    const r = v.safeParse(schema, value);
    if (!r.success) throw new ModelFileError('invalid', `metadata '${key}' is invalid: ${firstIssue(r.issues)}`, source);
    return r.output;
  };
  let config: ResolvedSeq2SeqConfig;
  let sourceVocabulary: Vocabulary;
  let targetVocabulary: Vocabulary;
  try {
    config = resolveConfig(checked('seq2seq.config', ConfigSchema) as Seq2SeqConfig);
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
  const preprocessing: Preprocessing = checked('seq2seq.preprocessing', PreprocessingSchema);
  // The parsed value itself, not valibot's copy: a copy made by assignment would turn
  // a "__proto__" key into the object's prototype.
  const info = metadata['seq2seq.info'] === undefined ? {} : (json('seq2seq.info') as Record<string, unknown>);
  checked('seq2seq.info', PlainObjectSchema, info);
  const quantized = metadata['seq2seq.quantized'] === undefined ? undefined : new Set(checked('seq2seq.quantized', NameListSchema));

  // Bounds from the bytes: the config must describe exactly the weights in the file.
  const needed = seq2seqParameterCount(config);
  let held = 0;
  for (const [name, t] of tensors) {
    if (quantized && scaleSuffixOf(name)) continue;
    // A Q4 matrix holds two weights a byte.
    held += quantized?.has(name) && tensors.has(`${name}${Q4_SCALE_SUFFIX}`) ? 2 * t.data.length : t.data.length;
  }
  if (needed > SEQ2SEQ_LIMITS.parameters || needed !== held) {
    throw new ModelFileError('invalid', `metadata 'seq2seq.config' describes a model of ${needed} parameters, but the file holds ${held} weights`, source);
  }

  // Every parameter is overwritten below (strict): no random numbers for weights that go.
  const model = withoutInitialization(() => new Seq2Seq(config));
  try {
    const load = { ...(source === undefined ? {} : { source }), ...(options.allowNonFinite ? { allowNonFinite: true } : {}) };
    if (!quantized) await decodeInto(model, bytes, load);
    else {
      // Files of older versions name some parameters differently (`Module.upgradeParameterName`).
      const current = new Map([...tensors].map(([name, t]) => [currentName(model, name), t]));
      const currentQuantized = new Set([...quantized].map((name) => currentName(model, name)));
      model.loadStateDict(dequantizedState(model, current, currentQuantized, source, options.allowNonFinite ?? false));
    }
  } catch (cause) {
    model.dispose();
    throw cause as CheckpointError;
  }
  model.eval();
  return { model, sourceVocabulary, targetVocabulary, preprocessing, info };
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

/** A file tensor's name as the model names the parameter now; a scale tensor follows its matrix. */
function currentName(model: Seq2Seq, name: string): string {
  const suffix = scaleSuffixOf(name);
  const base = suffix ? name.slice(0, -suffix.length) : name;
  return model.upgradeParameterName(base) + name.slice(base.length);
}

/**
 * The float32 parameters of a 'Q8' or 'Q4' file: quantized matrices times their scales,
 * the rest as read. Checks names, shapes, dtypes and finiteness first (a bad file
 * throws before the model changes). An integer tensor that is not listed as
 * quantized is refused: read as floats its raw integers would be the weights.
 */
function dequantizedState(model: Seq2Seq, tensors: ReturnType<typeof parseSafetensors>['tensors'], quantized: Set<string>, source: string | undefined, allowNonFinite: boolean): Map<string, Tensor> {
  const params = new Map(model.namedParameters());
  for (const name of quantized) if (!params.has(name)) throw new ModelFileError('invalid', `metadata 'seq2seq.quantized' lists '${name}', which is not a parameter of the model`, source);
  const nonFinite = (name: string, data: ArrayLike<number>) => {
    if (allowNonFinite) return;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new CheckpointError('non-finite', `tensor '${name}' holds ${data[i]} at index ${i}: the weights are not finite (pass allowNonFinite to load it anyway)`, { source, tensor: name });
    }
  };
  const state = new Map<string, Tensor>();
  const plan: [string, Float32Array, readonly number[]][] = [];
  for (const [name, p] of params) {
    const t = tensors.get(name);
    if (!t) throw new ModelFileError('invalid', `tensor '${name}' is missing`, source);
    let data: Float32Array;
    if (quantized.has(name)) {
      for (const suffix of [Q8_SCALE_SUFFIX, Q4_SCALE_SUFFIX]) {
        const scales = tensors.get(`${name}${suffix}`);
        if (scales && !FLOAT_DTYPES.has(scales.dtype)) throw new ModelFileError('invalid', `scale tensor '${name}${suffix}' is ${scales.dtype}, not a float`, source);
        if (scales) nonFinite(`${name}${suffix}`, scales.data);
      }
      const m = dequantizeMatrix(name, tensors, p.shape);
      if (typeof m === 'string') throw new ModelFileError('invalid', `quantized tensor '${name}' ${m}`, source);
      data = m.data;
    } else {
      if (t.shape.join() !== p.shape.join()) throw new ModelFileError('invalid', `tensor '${name}' is [${t.shape.join(', ')}], the model needs [${p.shape.join(', ')}]`, source);
      if (!FLOAT_DTYPES.has(t.dtype)) throw new ModelFileError('invalid', `tensor '${name}' is ${t.dtype} but not listed in 'seq2seq.quantized': its integers are not weights`, source);
      nonFinite(name, t.data);
      data = t.data as Float32Array;
    }
    plan.push([name, data, p.shape]);
  }
  for (const [name, data, shape] of plan) state.set(name, tensor(data, [...shape], { backend: params.get(name)!.value.backend }));
  return state;
}

/**
 * IEEE 754 binary16 bits of a float32 value (round to nearest, ties to even): @cellstate/nn's
 * `floatToHalf`, which every cellstate file writer uses.
 *
 * @deprecated Use `floatToHalf` from `@cellstate/nn`.
 */
export const toFloat16Bits: (value: number) => number = floatToHalf;
