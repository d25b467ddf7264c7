/**
 * PyTorch state dicts as safetensors files. cellstate parameters already carry
 * PyTorch's names and layouts (`nn.LSTM`: `weight_ih_l0` [4H, I] gates i, f, g, o,
 * `_reverse` suffix; `nn.GRU`: `weight_ih_l0` [3H, I] gates r, z, n; `nn.Linear`:
 * `weight` [out, in]; `nn.Embedding`: `weight` [V, E]),
 * so a `state_dict()` saved with `safetensors.torch.save_file` loads by name and the
 * other way round. The model config travels in the metadata as `cellstate.config`.
 */
import { parseSafetensors, serializeSafetensors, type Module, type SafetensorsWritableTensor } from '@cellstate/nn';
import { buildModel, loadWeights } from './build-model.js';
import { validateConfig, type ModelConfig } from './config.js';
import { InteropError } from './errors.js';
import { SequenceModel, type SequenceModelOptions } from './model.js';
import { readParameters, type HostTensor, type LoadReport } from './weights.js';

/** safetensors metadata key holding the JSON model config. */
export const CONFIG_METADATA_KEY = 'cellstate.config';

export interface ExportPytorchOptions {
  /** Extra metadata (string values); `format` and `cellstate.config` are set by the exporter. */
  metadata?: Record<string, string>;
  /** Config to embed (default: the model's own when it is a `SequenceModel`). */
  config?: ModelConfig;
}

/**
 * Writes a module's parameters as a PyTorch-compatible safetensors file (F32, names
 * as `state_dict()` names them, metadata `format: "pt"`). For a `SequenceModel` the
 * config is embedded as `cellstate.config`, so `importPytorch` rebuilds the model and
 * `tools/scaling/build_torch_module.py` builds the same module in PyTorch.
 *
 * @example
 * ```ts
 * const bytes = await exportPytorch(model);
 * // Python: torch_module.load_state_dict(safetensors.torch.load_file('model.safetensors'))
 * ```
 */
export async function exportPytorch(module: Module, options: ExportPytorchOptions = {}): Promise<Uint8Array> {
  const params = await readParameters(module);
  const tensors = new Map<string, SafetensorsWritableTensor>();
  for (const [name, t] of params) tensors.set(name, { dtype: t.data instanceof Float32Array ? 'F32' : 'I32', shape: t.shape, data: t.data });
  const config = options.config ?? (module instanceof SequenceModel ? module.config : undefined);
  const metadata: Record<string, string> = { ...options.metadata, format: 'pt' };
  if (config) metadata[CONFIG_METADATA_KEY] = JSON.stringify(validateConfig(config));
  return serializeSafetensors(tensors, metadata);
}

export interface ReadPytorchOptions {
  /** File name or label for messages. */
  source?: string;
  /** Load weights holding NaN or ±Infinity (default false: `InteropError` code `non-finite` naming the tensor). */
  allowNonFinite?: boolean;
}

export interface PytorchFile {
  /** Tensors by state-dict name (floats as Float32Array, integers as Int32Array). */
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
  /** The `cellstate.config` of the file, when it has one. */
  config?: ModelConfig;
}

/** Parses a safetensors state dict (no model needed). Malformed files throw `InteropError` (`invalid-file`). */
export function readPytorch(bytes: Uint8Array, options: ReadPytorchOptions = {}): PytorchFile {
  const source = options.source;
  let parsed;
  try {
    parsed = parseSafetensors(bytes, source !== undefined ? { source } : {});
  } catch (cause) {
    throw new InteropError('pytorch', 'invalid-file', `not a readable safetensors file: ${(cause as Error).message}`, { cause, ...(source !== undefined ? { source } : {}) });
  }
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of parsed.tensors) tensors.set(name, { shape: t.shape, data: t.data });
  const out: PytorchFile = { tensors, metadata: parsed.metadata };
  const json = parsed.metadata[CONFIG_METADATA_KEY];
  if (json !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch (cause) {
      throw new InteropError('pytorch', 'invalid-config', `metadata '${CONFIG_METADATA_KEY}' is not JSON`, { cause, ...(source !== undefined ? { source } : {}) });
    }
    out.config = validateConfig(raw, 'pytorch', source);
  }
  return out;
}

export interface LoadPytorchOptions extends ReadPytorchOptions {
  /** Every parameter must be in the file and nothing else (default true). */
  strict?: boolean;
}

/**
 * Loads a PyTorch safetensors state dict into any cellstate module by name. Checks
 * every name, shape and dtype first; on a mismatch throws `InteropError` naming the
 * tensor, the expected and the actual shape, and the model keeps its values.
 *
 * @example
 * ```ts
 * const lstm = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true });
 * await loadPytorch(lstm, bytesOfTorchLstmStateDict);
 * ```
 */
export async function loadPytorch(module: Module, bytes: Uint8Array, options: LoadPytorchOptions = {}): Promise<LoadReport & { metadata: Record<string, string> }> {
  const file = readPytorch(bytes, options);
  const report = loadWeights(module, file.tensors, 'pytorch', options, options.strict ?? true);
  return { ...report, metadata: file.metadata };
}

export interface ImportPytorchOptions extends ReadPytorchOptions, SequenceModelOptions {
  /** The model's config; default: the file's `cellstate.config` metadata. */
  config?: ModelConfig;
}

/**
 * Builds a `SequenceModel` from a safetensors file and its config (given, or the
 * file's `cellstate.config`), loading every tensor strictly.
 */
export async function importPytorch(bytes: Uint8Array, options: ImportPytorchOptions = {}): Promise<SequenceModel> {
  const file = readPytorch(bytes, options);
  const config = options.config ? validateConfig(options.config, 'pytorch', options.source) : file.config;
  if (!config) {
    throw new InteropError('pytorch', 'invalid-config', `the file has no '${CONFIG_METADATA_KEY}' metadata; pass options.config (or use loadPytorch with a model you built)`, options.source !== undefined ? { source: options.source } : {});
  }
  return buildModel(config, file.tensors, 'pytorch', options);
}
