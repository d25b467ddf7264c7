import { InteropError, type InteropFormat } from './errors.js';

/**
 * A cellstate model config: a chain of layers, each one's output feeding the next.
 * It is plain JSON, written next to the weights (`cellstate.config` in safetensors
 * metadata) so the same model can be rebuilt in cellstate, in PyTorch
 * (`tools/scaling/build_torch_module.py`) or exported to ONNX.
 *
 * Parameter names are `<layer name>.<PyTorch parameter name>`: an `lstm` layer named
 * `encoder` owns `encoder.weight_ih_l0`, ... exactly as `nn.LSTM` does inside a PyTorch
 * module with an attribute `encoder`.
 *
 * @example
 * ```json
 * {
 *   "format": "cellstate.sequence-model", "version": 1, "batchFirst": true,
 *   "layers": [
 *     { "type": "embedding", "name": "embed", "numEmbeddings": 100, "embeddingDim": 16 },
 *     { "type": "lstm", "name": "lstm", "inputSize": 16, "hiddenSize": 32, "numLayers": 2, "bidirectional": true, "output": "final" },
 *     { "type": "linear", "name": "head", "inFeatures": 64, "outFeatures": 3 },
 *     { "type": "activation", "name": "probs", "function": "softmax" }
 *   ]
 * }
 * ```
 */
export interface ModelConfig {
  format: typeof MODEL_CONFIG_FORMAT;
  version: 1;
  /** Sequences are [B, T, ·] (true) or [T, B, ·] (false). */
  batchFirst: boolean;
  layers: LayerSpec[];
}

export const MODEL_CONFIG_FORMAT = 'cellstate.sequence-model';

/** What an LSTM or GRU layer hands to the next layer. */
export type RecurrentOutput =
  /** Every step of the top layer: [B, T, D·H] (PyTorch's `output`, Keras' `return_sequences=True`). */
  | 'sequence'
  /**
   * The final hidden state of the top layer, directions concatenated: [B, D·H]
   * (PyTorch's `h_n[-D:]`, Keras' `return_sequences=False`). With lengths, each
   * sample's state after its own last step.
   */
  | 'final'
  /** `output[:, -1]` (PyTorch's common `out[:, -1]`): [B, D·H]. For the reverse direction this is after one step. */
  | 'last-step';

export interface EmbeddingSpec {
  type: 'embedding';
  name: string;
  numEmbeddings: number;
  embeddingDim: number;
  /** PyTorch's `padding_idx`. */
  paddingIdx?: number;
  /**
   * Keras' `mask_zero`: id 0 is padding. The model derives each sample's length from
   * its trailing zeros and passes it to the recurrent layers (padding must be at the end).
   */
  maskZero?: boolean;
}

export interface LstmSpec {
  type: 'lstm';
  name: string;
  inputSize: number;
  hiddenSize: number;
  /** Default 1. */
  numLayers?: number;
  /** Default false. */
  bidirectional?: boolean;
  /** Default true. */
  bias?: boolean;
  /** Dropout between stacked layers in training (default 0). */
  dropout?: number;
  /** Default 'sequence'. */
  output?: RecurrentOutput;
}

/**
 * A GRU layer, built as `@cellstate/lstm`'s `GRU`: PyTorch's `nn.GRU` names, layout
 * (`weight_ih_l0` [3H, I], gates r, z, n) and equations, which are ONNX's
 * `linear_before_reset = 1`. Owns `<name>.weight_ih_l0`, ... like `nn.GRU` does.
 * Its fields are an `LstmSpec`'s (the two layers take the same options), and one more.
 */
export interface GruSpec extends Omit<LstmSpec, 'type'> {
  type: 'gru';
  /**
   * ONNX's `linear_before_reset` (default true: what PyTorch's nn.GRU computes, and the
   * only form `SequenceModel` builds; false is read from ONNX files and refused with an
   * `unsupported` error).
   */
  linearBeforeReset?: boolean;
}

export interface LinearSpec {
  type: 'linear';
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** Default true. */
  bias?: boolean;
}

export type ActivationFunction = 'relu' | 'tanh' | 'sigmoid' | 'softmax';

export interface ActivationSpec {
  type: 'activation';
  name: string;
  /** `softmax` is over the last axis. */
  function: ActivationFunction;
}

export type LayerSpec = EmbeddingSpec | LstmSpec | GruSpec | LinearSpec | ActivationSpec;

/** Shape of what flows between layers, for checking a chain. */
interface Flow {
  kind: 'ids' | 'sequence' | 'vector' | 'unknown';
  size?: number;
}

const ACTIVATIONS: readonly ActivationFunction[] = ['relu', 'tanh', 'sigmoid', 'softmax'];
const OUTPUTS: readonly RecurrentOutput[] = ['sequence', 'final', 'last-step'];

/**
 * Checks a config (types, names, sizes, that each layer's input is the previous
 * layer's output) and returns it with defaults filled in. Throws `InteropError`
 * (`invalid-config`) naming the first problem.
 */
export function validateConfig(config: unknown, format: InteropFormat = 'cellstate', source?: string): ModelConfig {
  const bad = (detail: string, extra: { expected?: unknown; actual?: unknown } = {}): never => {
    throw new InteropError(format, 'invalid-config', detail, { ...extra, ...(source !== undefined ? { source } : {}) });
  };
  if (typeof config !== 'object' || config === null || Array.isArray(config)) bad('the model config must be a JSON object');
  const c = config as Record<string, unknown>;
  if (c.format !== MODEL_CONFIG_FORMAT) bad(`config 'format' must be "${MODEL_CONFIG_FORMAT}"`, { actual: String(c.format) });
  if (c.version !== 1) bad(`config 'version' must be 1`, { actual: String(c.version) });
  if (typeof c.batchFirst !== 'boolean') bad(`config 'batchFirst' must be a boolean`);
  if (!Array.isArray(c.layers) || c.layers.length === 0) bad(`config 'layers' must be a non-empty list`);
  if ((c.layers as unknown[]).length > CONFIG_LIMITS.layers) bad(`config 'layers' has ${(c.layers as unknown[]).length} entries, more than the limit of ${CONFIG_LIMITS.layers}`);
  const names = new Set<string>();
  const layers: LayerSpec[] = [];
  let flow: Flow = { kind: 'unknown' };
  (c.layers as unknown[]).forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null) bad(`layer ${i} is not an object`);
    const l = raw as Record<string, unknown>;
    const where = `layer ${i} ('${String(l.name)}', ${String(l.type)})`;
    if (typeof l.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(l.name)) bad(`${where}: 'name' must be an identifier (letters, digits, _; no dots)`);
    if (names.has(l.name as string)) bad(`${where}: the name is used twice`);
    names.add(l.name as string);
    const int = (key: string, optional = false, min = 1): number | undefined => {
      const v = l[key];
      if (v === undefined && optional) return undefined;
      const max = key === 'numEmbeddings' ? CONFIG_LIMITS.numEmbeddings : key === 'numLayers' ? CONFIG_LIMITS.numLayers : CONFIG_LIMITS.size;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${where}: '${key}' must be an integer from ${min} to ${max}`, { actual: String(v) });
      return v as number;
    };
    const bool = (key: string): boolean | undefined => {
      const v = l[key];
      if (v !== undefined && typeof v !== 'boolean') bad(`${where}: '${key}' must be a boolean`, { actual: String(v) });
      return v as boolean | undefined;
    };
    const needSize = (want: number, what: string) => {
      if (flow.size !== undefined && flow.size !== want) bad(`${where}: ${what} is ${want} but the previous layer gives ${flow.size}`, { expected: flow.size, actual: want });
    };
    switch (l.type) {
      case 'embedding': {
        if (i !== 0) bad(`${where}: an embedding must be the first layer`);
        const spec: EmbeddingSpec = { type: 'embedding', name: l.name as string, numEmbeddings: int('numEmbeddings')!, embeddingDim: int('embeddingDim')! };
        const pad = l.paddingIdx;
        if (pad !== undefined) {
          if (typeof pad !== 'number' || !Number.isInteger(pad) || pad < -spec.numEmbeddings || pad >= spec.numEmbeddings) bad(`${where}: 'paddingIdx' must be an integer in [-V, V)`, { actual: String(pad) });
          spec.paddingIdx = pad as number;
        }
        if (bool('maskZero')) spec.maskZero = true;
        layers.push(spec);
        flow = { kind: 'sequence', size: spec.embeddingDim };
        break;
      }
      case 'lstm':
      case 'gru': {
        if (flow.kind === 'vector') bad(`${where}: a recurrent layer needs a sequence, but the previous layer outputs one vector per sample`);
        const output = (l.output ?? 'sequence') as RecurrentOutput;
        if (!OUTPUTS.includes(output)) bad(`${where}: 'output' must be one of ${OUTPUTS.join(', ')}`, { actual: String(l.output) });
        const spec = {
          type: l.type,
          name: l.name as string,
          inputSize: int('inputSize')!,
          hiddenSize: int('hiddenSize')!,
          numLayers: int('numLayers', true) ?? 1,
          bidirectional: bool('bidirectional') ?? false,
          bias: bool('bias') ?? true,
          output,
        } as LstmSpec | GruSpec;
        if (l.dropout !== undefined) {
          const d = l.dropout;
          if (typeof d !== 'number' || !(d >= 0 && d < 1)) bad(`${where}: 'dropout' must be in [0, 1)`, { actual: String(d) });
          spec.dropout = d as number;
        }
        if (l.type === 'gru' && l.linearBeforeReset !== undefined) (spec as GruSpec).linearBeforeReset = bool('linearBeforeReset')!;
        needSize(spec.inputSize, 'inputSize');
        layers.push(spec);
        const out = spec.hiddenSize * (spec.bidirectional ? 2 : 1);
        flow = { kind: output === 'sequence' ? 'sequence' : 'vector', size: out };
        break;
      }
      case 'linear': {
        const spec: LinearSpec = { type: 'linear', name: l.name as string, inFeatures: int('inFeatures')!, outFeatures: int('outFeatures')!, bias: bool('bias') ?? true };
        needSize(spec.inFeatures, 'inFeatures');
        layers.push(spec);
        flow = { kind: flow.kind === 'unknown' ? 'unknown' : flow.kind, size: spec.outFeatures };
        break;
      }
      case 'activation': {
        const fn = l.function as ActivationFunction;
        if (!ACTIVATIONS.includes(fn)) bad(`${where}: 'function' must be one of ${ACTIVATIONS.join(', ')}`, { actual: String(l.function) });
        layers.push({ type: 'activation', name: l.name as string, function: fn });
        break;
      }
      default:
        bad(`${where}: unknown layer type (known: embedding, lstm, gru, linear, activation)`);
    }
  });
  return { format: MODEL_CONFIG_FORMAT, version: 1, batchFirst: c.batchFirst as boolean, layers };
}

/**
 * Largest sizes a config may declare: far above real models, low enough that no
 * product of them overflows or reaches a multi-gigabyte allocation unchecked.
 */
export const CONFIG_LIMITS = { layers: 10_000, numEmbeddings: 10_000_000, size: 65_536, numLayers: 64 } as const;

/** The number of parameters `new SequenceModel(config)` allocates, computed without allocating. */
export function sequenceModelParameterCount(config: ModelConfig): number {
  let n = 0;
  for (const l of config.layers) {
    if (l.type === 'embedding') n += l.numEmbeddings * l.embeddingDim;
    else if (l.type === 'linear') n += l.outFeatures * l.inFeatures + (l.bias ?? true ? l.outFeatures : 0);
    else if (l.type === 'lstm' || l.type === 'gru') {
      const G = (l.type === 'lstm' ? 4 : 3) * l.hiddenSize;
      const D = l.bidirectional ? 2 : 1;
      for (let k = 0; k < (l.numLayers ?? 1); k++) {
        const input = k === 0 ? l.inputSize : D * l.hiddenSize;
        n += D * (G * input + G * l.hiddenSize + (l.bias ?? true ? 2 * G : 0));
      }
    }
  }
  return n;
}

/**
 * Refuses a config that needs far more parameters than `weights` holds, before the
 * model is built: the weights are bounded by the file's size, the config's numbers are
 * not. The slack (2 × the weights + 1M) lets a small mismatch through to the loader,
 * whose message names the tensor, while what gets allocated stays bounded by the file.
 */
export function checkConfigAgainstWeights(config: ModelConfig, weights: ReadonlyMap<string, { data: ArrayLike<number> }>, format: InteropFormat, source?: string): void {
  const needed = sequenceModelParameterCount(config);
  let held = 0;
  for (const t of weights.values()) held += t.data.length;
  if (needed > 2 * held + 1_000_000) {
    throw new InteropError(format, 'invalid-config', `the model config describes ${needed} parameters, but the file holds only ${held} weights`, { expected: needed, actual: held, ...(source !== undefined ? { source } : {}) });
  }
}

/** Size of one input step (features) or null when the model takes ids. */
export function inputFeatures(config: ModelConfig): number | null {
  const first = config.layers[0]!;
  if (first.type === 'embedding') return null;
  if (first.type === 'lstm' || first.type === 'gru') return first.inputSize;
  if (first.type === 'linear') return first.inFeatures;
  const next = config.layers.find((l) => l.type !== 'activation');
  return next ? inputFeatures({ ...config, layers: [next] }) : null;
}
