/**
 * Keras models without Python: Keras 3 `.keras` archives (zip of `config.json`,
 * `metadata.json`, `model.weights.h5`), Keras 3 `.weights.h5` files (with the config
 * given separately) and legacy Keras 2 / tf.keras `.h5` files (`model.save('m.h5')`,
 * or `save_weights` with the config given). Layers: InputLayer, Embedding, LSTM,
 * Bidirectional(LSTM), Dense, TimeDistributed(Dense), Activation, and the inference
 * no-ops Dropout / SpatialDropout1D / GaussianNoise / GaussianDropout /
 * ActivityRegularization. Sequential models and Functional models that are a chain.
 *
 * Where each format keeps the weights is in weight-sources.ts (the layout is documented
 * in tools/fixtures/make_keras_fixtures.py, from Keras' saving code); how each layer is
 * converted, in layer-builders.ts.
 */
import { buildModel, loadWeights } from '../build-model.js';
import type { ModelConfig } from '../config.js';
import { InteropError } from '../errors.js';
import type { SequenceModel, SequenceModelOptions } from '../model.js';
import type { LoadReport } from '../weights.js';
import { readKerasArchive } from './archive.js';
import { H5, isHdf5, isZip } from './h5.js';
import type { KerasFile, KerasFormat } from './keras-file.js';
import { build } from './layer-builders.js';
import { describeThrown, parseJson } from './parsing.js';
import { keras2Weights, keras3Weights } from './weight-sources.js';

export { toSnakeCase } from './weight-sources.js';
export type { KerasFile, KerasFormat } from './keras-file.js';

export interface ReadKerasOptions {
  /** File name or label for messages. */
  source?: string;
  /**
   * The Keras model config (the JSON of `model.to_json()` or a `.keras` archive's
   * `config.json`), for weights-only files. Ignored when the file has its own.
   */
  kerasConfig?: unknown;
  /** Load weights holding NaN or ±Infinity (default false: `InteropError` code `non-finite` naming the tensor). */
  allowNonFinite?: boolean;
  /**
   * Most bytes a `.keras` archive may inflate to, and most bytes of tensors read from
   * an HDF5 file (default 64 MiB + 8 × the file's size). Beyond it the loader throws
   * `InteropError` code `too-large` before inflating or reading anything.
   */
  maxUncompressedBytes?: number;
}

/**
 * Reads a Keras file into a config and PyTorch-layout weights (no backend needed).
 * Every failure is an `InteropError` naming `options.source`: a `.keras` archive
 * inflates only the members it needs, within `maxUncompressedBytes` (checked before
 * inflating), and HDF5 datasets are read only within the same budget.
 */
export function readKeras(bytes: Uint8Array, options: ReadKerasOptions = {}): KerasFile {
  try {
    return readKerasFile(bytes, options);
  } catch (cause) {
    if (cause instanceof InteropError) throw cause;
    // jsfive and friends throw strings, RangeErrors, TypeErrors on hostile bytes.
    throw new InteropError('keras', 'invalid-file', `cannot read the file: ${describeThrown(cause)}`, { cause, ...(options.source !== undefined ? { source: options.source } : {}) });
  }
}

function readKerasFile(bytes: Uint8Array, options: ReadKerasOptions): KerasFile {
  const source = options.source;
  const src = source !== undefined ? { source } : {};
  const invalid = (detail: string): never => {
    throw new InteropError('keras', 'invalid-file', detail, src);
  };
  const budget = options.maxUncompressedBytes ?? 64 * 2 ** 20 + 8 * bytes.length;
  if (isZip(bytes)) {
    const archive = readKerasArchive(bytes, source, budget);
    return build('keras3', archive.kerasVersion, archive.config, keras3Weights(archive.weights), source);
  }
  if (!isHdf5(bytes)) invalid('neither a .keras archive (zip) nor an HDF5 .h5 file');
  const h5 = new H5(bytes, source, budget);
  const modelConfigText = h5.text('', 'model_config');
  if (modelConfigText !== undefined || h5.isGroup('model_weights') || h5.texts('', 'layer_names')) {
    const config = modelConfigText !== undefined ? parseJson(modelConfigText, "the 'model_config' attribute", source) : options.kerasConfig;
    if (config === undefined) throw new InteropError('keras', 'invalid-config', 'this .h5 file holds weights only; pass options.kerasConfig (the JSON of model.to_json())', src);
    const root = h5.isGroup('model_weights') ? 'model_weights' : '';
    return build('keras2-h5', h5.text('', 'keras_version') ?? h5.text(root, 'keras_version'), config, keras2Weights(h5, root), source);
  }
  if (h5.isGroup('layers') || h5.isGroup('_layer_checkpoint_dependencies') || h5.isGroup('vars')) {
    if (options.kerasConfig === undefined) throw new InteropError('keras', 'invalid-config', 'this is a Keras 3 .weights.h5 file (weights only); pass options.kerasConfig (the config.json of the model)', src);
    return build('keras3-weights', undefined, options.kerasConfig, keras3Weights(h5), source);
  }
  return invalid('an HDF5 file without Keras model weights (no model_config, model_weights, layer_names or layers)');
}

export interface ImportKerasOptions extends ReadKerasOptions, SequenceModelOptions {}

export interface ImportedKeras {
  model: SequenceModel;
  config: ModelConfig;
  format: KerasFormat;
  kerasVersion?: string;
  notes: string[];
}

/**
 * Builds a cellstate model from a Keras file: Keras 3 `.keras`, legacy `.h5` (or a
 * weights-only `.h5` / `.weights.h5` with `kerasConfig`). The model takes batch-first
 * input like Keras: float [B, T, F], or int32 ids [B, T] after an Embedding (with
 * `mask_zero`, lengths come from trailing zeros).
 *
 * @example
 * ```ts
 * const { model } = await importKeras(new Uint8Array(await readFile('model.keras')), { source: 'model.keras' });
 * const probs = model.forward(tensor([[3, 7, 1, 0]], [1, 4], { dtype: 'int32' }));
 * ```
 */
export async function importKeras(bytes: Uint8Array, options: ImportKerasOptions = {}): Promise<ImportedKeras> {
  const file = readKeras(bytes, options);
  const model = buildModel(file.config, file.tensors, 'keras', { ...options, origins: file.origins });
  return { model, config: file.config, format: file.format, ...(file.kerasVersion !== undefined ? { kerasVersion: file.kerasVersion } : {}), notes: file.notes };
}

export interface LoadKerasOptions extends ReadKerasOptions {
  /** Every parameter must be in the file and nothing else (default true). */
  strict?: boolean;
}

/**
 * Loads a Keras file's weights into an existing model whose layer names are the
 * Keras layer names (as `importKeras` builds them). Validates everything first.
 */
export async function loadKeras(model: SequenceModel, bytes: Uint8Array, options: LoadKerasOptions = {}): Promise<LoadReport> {
  const file = readKeras(bytes, options);
  return loadWeights(model, file.tensors, 'keras', { ...options, origins: file.origins }, options.strict ?? true);
}
