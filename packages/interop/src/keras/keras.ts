/**
 * Keras models without Python: Keras 3 `.keras` archives (zip of `config.json`,
 * `metadata.json`, `model.weights.h5`), Keras 3 `.weights.h5` files (with the config
 * given separately) and legacy Keras 2 / tf.keras `.h5` files (`model.save('m.h5')`,
 * or `save_weights` with the config given). Layers: InputLayer, Embedding, LSTM,
 * Bidirectional(LSTM), Dense, TimeDistributed(Dense), Activation, and the inference
 * no-ops Dropout / SpatialDropout1D / GaussianNoise / GaussianDropout /
 * ActivityRegularization. Sequential models and Functional models that are a chain.
 *
 * Weight layout (documented in tools/fixtures/make_keras_fixtures.py, from Keras'
 * saving code): Keras 3 stores each saveable's variables in `<path>/vars/<i>` where the
 * path of a model's layer is `layers/<snake_case(class name)>[_<n>]` (not its name),
 * an LSTM's are under `cell`, a Bidirectional's under `forward_layer/cell` and
 * `backward_layer/cell`. Keras 2 stores `model_weights/<layer name>/<weight name>` in the
 * order of the group's `weight_names` attribute.
 *
 * Conversion: LSTM kernel [I, 4H] and recurrent_kernel [H, 4H] (gates i, f, c, o, the
 * same order as PyTorch's i, f, g, o) are transposed; the one bias becomes `bias_ih`
 * with `bias_hh` = 0 (`kerasToPytorch`). Dense kernel [in, out] is transposed.
 */
import { unzipSync } from 'fflate';
import { kerasToPytorch } from '@cellstate/lstm';
import { checkConfigAgainstWeights, CONFIG_LIMITS, validateConfig, MODEL_CONFIG_FORMAT, type ActivationFunction, type LayerSpec, type ModelConfig } from '../config.js';
import { InteropError } from '../errors.js';
import { SequenceModel, type SequenceModelOptions } from '../model.js';
import { applyWeights, type HostTensor, type LoadReport } from '../weights.js';
import { H5, isHdf5, isZip } from './h5.js';

export type KerasFormat = 'keras3' | 'keras3-weights' | 'keras2-h5';

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

export interface KerasFile {
  format: KerasFormat;
  /** `keras_version` from the file, when recorded. */
  kerasVersion?: string;
  config: ModelConfig;
  /** Weights in PyTorch layout under cellstate names (`lstm.weight_ih_l0`). */
  tensors: Map<string, HostTensor>;
  /** Which Keras tensor each cellstate tensor came from. */
  origins: Map<string, string>;
  notes: string[];
}

interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inbound: string[] | undefined;
}

const NO_OPS = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'ActivityRegularization', 'AlphaDropout']);

/** Keras' naming.to_snake_case. */
export function toSnakeCase(name: string): string {
  const intermediate = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  const insecure = intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return insecure.startsWith('_') ? `private${insecure}` : insecure;
}

/** The members of a `.keras` archive that are read; nothing else is inflated. */
const ARCHIVE_MEMBERS = new Set(['config.json', 'metadata.json', 'model.weights.h5']);

/** The text of anything thrown: jsfive throws bare strings. */
function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
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
    throw new InteropError('keras', 'invalid-file', `cannot read the file: ${describe(cause)}`, { cause, ...(options.source !== undefined ? { source: options.source } : {}) });
  }
}

function readKerasFile(bytes: Uint8Array, options: ReadKerasOptions): KerasFile {
  const source = options.source;
  const src = source !== undefined ? { source } : {};
  const invalid = (detail: string, cause?: unknown): never => {
    throw new InteropError('keras', 'invalid-file', detail, { ...src, ...(cause !== undefined ? { cause } : {}) });
  };
  const budget = options.maxUncompressedBytes ?? 64 * 2 ** 20 + 8 * bytes.length;
  if (isZip(bytes)) {
    let files: Record<string, Uint8Array>;
    const members: string[] = [];
    let total = 0;
    let tooLarge: { name: string; size: number } | undefined;
    try {
      // The sizes come from the archive's directory; fflate never inflates past them.
      files = unzipSync(bytes, {
        filter: (f) => {
          members.push(f.name);
          if (!ARCHIVE_MEMBERS.has(f.name) || tooLarge) return false;
          total += f.originalSize;
          if (total > budget) tooLarge = { name: f.name, size: f.originalSize };
          return !tooLarge;
        },
      });
    } catch (cause) {
      return invalid(`not a readable zip archive: ${describe(cause)}`, cause);
    }
    if (tooLarge) {
      throw new InteropError('keras', 'too-large', `the archive member '${tooLarge.name}' inflates to ${tooLarge.size} bytes, beyond the budget of ${budget} bytes (raise maxUncompressedBytes for a model this large)`, { ...src, expected: budget, actual: total });
    }
    const configBytes = files['config.json'];
    if (!configBytes) invalid(`the .keras archive has no config.json (it has ${members.slice(0, 20).join(', ') || 'nothing'})`);
    const weights = files['model.weights.h5'];
    if (!weights) invalid(members.includes('model.weights.npz') ? 'the .keras archive stores its weights as model.weights.npz; only the default model.weights.h5 is read' : 'the .keras archive has no model.weights.h5');
    const config = parseJson(new TextDecoder().decode(configBytes), 'config.json', source);
    let kerasVersion: string | undefined;
    if (files['metadata.json']) {
      const meta = parseJson(new TextDecoder().decode(files['metadata.json']), 'metadata.json', source) as Record<string, unknown>;
      if (typeof meta.keras_version === 'string') kerasVersion = meta.keras_version;
    }
    const h5 = new H5(weights!, source ? `${source}:model.weights.h5` : 'model.weights.h5', budget);
    return build('keras3', kerasVersion, config, keras3Weights(h5), source);
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

function parseJson(text: string, what: string, source: string | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InteropError('keras', 'invalid-file', `${what} is not valid JSON: ${(cause as Error).message}`, { cause, ...(source !== undefined ? { source } : {}) });
  }
}

/** How a format hands out a layer's weights. */
interface WeightSource {
  /** The weights of `layer` in Keras order, each with its file path. `parts` names sub-layers for Bidirectional. */
  weights(layer: KerasLayer, index: number, all: KerasLayer[]): { path: string; tensor: () => HostTensor }[][];
}

function keras3Weights(h5: H5): WeightSource {
  // Keras 3 names a layer's group by its class and how many of that class came before it;
  // counted once for the whole list (a recount per layer is quadratic in the layer count).
  const groupNames = new WeakMap<KerasLayer[], string[]>();
  const groupName = (index: number, all: KerasLayer[]): string => {
    let names = groupNames.get(all);
    if (!names) {
      const seen = new Map<string, number>();
      names = all.map((l) => {
        const snake = toSnakeCase(l.className);
        const n = seen.get(snake) ?? 0;
        if (l.className !== 'InputLayer') seen.set(snake, n + 1);
        return n === 0 ? snake : `${snake}_${n}`;
      });
      groupNames.set(all, names);
    }
    return names[index]!;
  };
  const basePath = (layer: KerasLayer, index: number, all: KerasLayer[]): string => {
    const name = groupName(index, all);
    for (const root of ['layers', '_layer_checkpoint_dependencies']) if (h5.isGroup(`${root}/${name}`)) return `${root}/${name}`;
    throw new InteropError('keras', 'missing-tensor', `missing weights of layer '${layer.name}' (${layer.className}): no group 'layers/${name}' in model.weights.h5`, { tensor: `layers/${name}`, ...(h5.source !== undefined ? { source: h5.source } : {}) });
  };
  const vars = (path: string, layer: KerasLayer) => {
    if (!h5.isGroup(`${path}/vars`)) {
      throw new InteropError('keras', 'missing-tensor', `missing weights of layer '${layer.name}': no group '${path}/vars'`, { tensor: `${path}/vars`, ...(h5.source !== undefined ? { source: h5.source } : {}) });
    }
    const keys = h5.keys(`${path}/vars`).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
    return keys.map((k) => ({ path: `${path}/vars/${k}`, tensor: () => h5.tensor(`${path}/vars/${k}`) }));
  };
  return {
    weights(layer, index, all) {
      const base = basePath(layer, index, all);
      switch (layer.className) {
        case 'LSTM':
          return [vars(`${base}/cell`, layer)];
        case 'Bidirectional':
          return [vars(`${base}/forward_layer/cell`, layer), vars(`${base}/backward_layer/cell`, layer)];
        case 'TimeDistributed':
          return [vars(`${base}/layer`, layer)];
        default:
          return [vars(base, layer)];
      }
    },
  };
}

function keras2Weights(h5: H5, root: string): WeightSource {
  return {
    weights(layer) {
      const group = root ? `${root}/${layer.name}` : layer.name;
      if (!h5.isGroup(group)) {
        throw new InteropError('keras', 'missing-tensor', `missing weights of layer '${layer.name}': no group '${group}' in the .h5 file`, { tensor: group, ...(h5.source !== undefined ? { source: h5.source } : {}) });
      }
      const names = h5.texts(group, 'weight_names') ?? [];
      const list = names.map((n) => ({ path: `${group}/${n}`, tensor: () => h5.tensor(`${group}/${n}`) }));
      if (layer.className === 'Bidirectional') {
        const half = list.length / 2;
        return [list.slice(0, half), list.slice(half)];
      }
      return [list];
    },
  };
}

/** The layers of a Keras model config (Keras 2 or 3), checked to form a chain. */
function kerasLayers(raw: unknown, source: string | undefined): { layers: KerasLayer[]; className: string } {
  const bad = (detail: string): never => {
    throw new InteropError('keras', 'invalid-config', detail, source !== undefined ? { source } : {});
  };
  if (typeof raw !== 'object' || raw === null) bad('the Keras model config is not a JSON object');
  const top = raw as Record<string, unknown>;
  const className = String(top.class_name ?? '');
  const cfg = top.config;
  if (!['Sequential', 'Functional', 'Model'].includes(className)) {
    throw new InteropError('keras', 'unsupported', `a model of class '${className}' is not supported (Sequential and Functional are)`, source !== undefined ? { source } : {});
  }
  const list = Array.isArray(cfg) ? cfg : ((cfg as Record<string, unknown> | undefined)?.layers as unknown[] | undefined);
  if (!Array.isArray(list)) bad("the Keras model config has no 'layers' list");
  if (list!.length > CONFIG_LIMITS.layers) bad(`the Keras model config has ${list!.length} layers, more than the limit of ${CONFIG_LIMITS.layers}`);
  const layers = list!.map((l, i) => {
    const layer = l as Record<string, unknown>;
    const config = (layer.config ?? {}) as Record<string, unknown>;
    const name = String(layer.name ?? config.name ?? `layer_${i}`);
    return { className: String(layer.class_name), name, config, inbound: className === 'Sequential' ? undefined : inboundLayers(layer.inbound_nodes) };
  });
  if (className !== 'Sequential') {
    // A Functional model must be a chain: each layer takes exactly the previous one.
    layers.forEach((l, i) => {
      if (i === 0) {
        if (l.className !== 'InputLayer') bad(`the first layer of a Functional model must be an InputLayer, got '${l.name}' (${l.className})`);
        return;
      }
      const prev = layers[i - 1]!.name;
      if (!l.inbound || l.inbound.length !== 1 || l.inbound[0] !== prev) {
        throw new InteropError('keras', 'unsupported', `layer '${l.name}' takes [${(l.inbound ?? []).join(', ')}], not just the previous layer '${prev}': only Functional models that are a chain are supported`, source !== undefined ? { source } : {});
      }
    });
  }
  return { layers, className };
}

function inboundLayers(nodes: unknown): string[] {
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  const out: string[] = [];
  const node = nodes[0];
  if (Array.isArray(node)) {
    // Keras 2: [[["prev", 0, 0, {}], ...]]
    for (const t of node) if (Array.isArray(t) && typeof t[0] === 'string') out.push(t[0]);
  } else if (node && typeof node === 'object') {
    // Keras 3: {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["prev", 0, 0]}}], "kwargs": {...}}
    const visit = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        const history = (o.config as Record<string, unknown> | undefined)?.keras_history;
        if (o.class_name === '__keras_tensor__' && Array.isArray(history)) out.push(String(history[0]));
        else Object.values(o).forEach(visit);
      }
    };
    visit((node as Record<string, unknown>).args);
  }
  if (nodes.length > 1) out.push('(shared layer)');
  return out;
}

function activationName(v: unknown): string {
  if (v === undefined || v === null) return 'linear';
  if (typeof v === 'string') return v;
  const o = v as Record<string, unknown>;
  return String((o.config as Record<string, unknown> | undefined)?.name ?? o.class_name ?? 'unknown');
}

function build(format: KerasFormat, kerasVersion: string | undefined, rawConfig: unknown, source: WeightSource, file: string | undefined): KerasFile {
  const src = file !== undefined ? { source: file } : {};
  const { layers: kerasList } = kerasLayers(rawConfig, file);
  const unsupported = (layer: KerasLayer, detail: string): never => {
    throw new InteropError('keras', 'unsupported', `layer '${layer.name}' (${layer.className}): ${detail}`, src);
  };
  const layers: LayerSpec[] = [];
  const tensors = new Map<string, HostTensor>();
  const origins = new Map<string, string>();
  const notes: string[] = [];
  const used = new Set<string>();
  const nextSuffix = new Map<string, number>();
  const uniqueName = (base: string) => {
    let name = base.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(name)) name = `_${name}`;
    const stem = name;
    // Resume probing where the last clash of this stem stopped: linear, not quadratic, in clashes.
    let k = nextSuffix.get(stem) ?? 1;
    if (used.has(name)) {
      do name = `${stem}_${k++}`;
      while (used.has(name));
    }
    nextSuffix.set(stem, k);
    used.add(name);
    return name;
  };
  let width: number | undefined; // features flowing into the next layer
  let maskZero = false;
  let sequence = true;

  const load = (layer: KerasLayer, entry: { path: string; tensor: () => HostTensor } | undefined, what: string, expected: (number | undefined)[]): HostTensor & { path: string } => {
    if (!entry) throw new InteropError('keras', 'missing-tensor', `missing ${what} of layer '${layer.name}'`, { ...src, expected: expected.map((d) => d ?? -1) });
    const t = entry.tensor();
    if (t.shape.length !== expected.length || expected.some((d, i) => d !== undefined && d !== t.shape[i])) {
      throw new InteropError('keras', 'shape-mismatch', `tensor '${entry.path}' (${what} of layer '${layer.name}') has the wrong shape`, {
        tensor: entry.path,
        expected: expected.map((d, i) => d ?? t.shape[i] ?? -1),
        actual: t.shape,
        ...src,
      });
    }
    return { ...t, path: entry.path };
  };
  const put = (name: string, t: HostTensor, origin: string) => {
    tensors.set(name, t);
    origins.set(name, origin);
  };

  const addActivation = (layer: KerasLayer, fn: string) => {
    if (fn === 'linear') return;
    if (!['relu', 'tanh', 'sigmoid', 'softmax'].includes(fn)) unsupported(layer, `activation '${fn}' is not supported (linear, relu, tanh, sigmoid, softmax are)`);
    layers.push({ type: 'activation', name: uniqueName(`${layer.name}_${fn}`), function: fn as ActivationFunction });
  };

  const lstmFrom = (layer: KerasLayer, inner: Record<string, unknown>, groups: { path: string; tensor: () => HostTensor }[][], bidirectional: boolean) => {
    const H = Number(inner.units);
    if (!Number.isInteger(H) || H < 1) unsupported(layer, `'units' is ${String(inner.units)}`);
    const act = activationName(inner.activation);
    const rec = activationName(inner.recurrent_activation);
    if (act !== 'tanh' || rec !== 'sigmoid') unsupported(layer, `activation '${act}' / recurrent_activation '${rec}' are not supported (only tanh / sigmoid, Keras' defaults; 'hard_sigmoid' of old Keras 2 models differs)`);
    if (inner.return_state === true) unsupported(layer, 'return_state=True is not supported');
    if (inner.time_major === true) unsupported(layer, 'time_major=True is not supported');
    if (!bidirectional && inner.go_backwards === true) unsupported(layer, 'go_backwards=True outside Bidirectional is not supported');
    if (inner.stateful === true) notes.push(`layer '${layer.name}' is stateful in Keras; in cellstate pass the state explicitly (LSTM.forward's state option)`);
    const useBias = inner.use_bias !== false;
    const returnSequences = inner.return_sequences === true;
    if (!sequence) unsupported(layer, 'it needs a sequence but the previous layer outputs one vector per sample');
    if (maskZero && returnSequences && !bidirectional) {
      notes.push(`layer '${layer.name}': with mask_zero, Keras repeats the last real output at padded steps (zero_output_for_mask=False); cellstate outputs zeros there`);
    }
    const D = bidirectional ? 2 : 1;
    const name = uniqueName(layer.name);
    let I = width;
    groups.forEach((list, d) => {
      const kernel = load(layer, list[0], d === 0 ? 'kernel' : 'backward kernel', [I, 4 * H]);
      I = kernel.shape[0]!;
      const recurrent = load(layer, list[1], d === 0 ? 'recurrent_kernel' : 'backward recurrent_kernel', [H, 4 * H]);
      const bias = useBias ? load(layer, list[2], d === 0 ? 'bias' : 'backward bias', [4 * H]) : undefined;
      const extra = list.length - (useBias ? 3 : 2);
      if (extra !== 0) {
        throw new InteropError('keras', extra > 0 ? 'unexpected-tensor' : 'missing-tensor', `layer '${layer.name}' has ${list.length} weights${bidirectional ? ' per direction' : ''}, expected ${useBias ? 3 : 2} (kernel, recurrent_kernel${useBias ? ', bias' : ''})`, {
          ...src,
          tensor: list[useBias ? 3 : 2]?.path ?? list[0]?.path ?? layer.name,
          expected: useBias ? 3 : 2,
          actual: list.length,
        });
      }
      const pt = kerasToPytorch({ kernel: kernel.data as Float32Array, recurrentKernel: recurrent.data as Float32Array, bias: (bias?.data as Float32Array) ?? new Float32Array(4 * H) }, I, H);
      const suffix = `_l0${d === 1 ? '_reverse' : ''}`;
      put(`${name}.weight_ih${suffix}`, { shape: [4 * H, I], data: pt.weightIh }, kernel.path);
      put(`${name}.weight_hh${suffix}`, { shape: [4 * H, H], data: pt.weightHh }, recurrent.path);
      if (bias) {
        put(`${name}.bias_ih${suffix}`, { shape: [4 * H], data: pt.biasIh }, bias.path);
        put(`${name}.bias_hh${suffix}`, { shape: [4 * H], data: pt.biasHh }, bias.path);
      }
    });
    layers.push({ type: 'lstm', name, inputSize: I!, hiddenSize: H, numLayers: 1, bidirectional, bias: useBias, output: returnSequences ? 'sequence' : 'final' });
    width = D * H;
    sequence = returnSequences;
  };

  const denseFrom = (layer: KerasLayer, inner: Record<string, unknown>, list: { path: string; tensor: () => HostTensor }[]) => {
    const units = Number(inner.units);
    const useBias = inner.use_bias !== false;
    const kernel = load(layer, list[0], 'kernel', [width, units]);
    const bias = useBias ? load(layer, list[1], 'bias', [units]) : undefined;
    if (list.length !== (useBias ? 2 : 1)) {
      throw new InteropError('keras', 'unexpected-tensor', `layer '${layer.name}' has ${list.length} weights, expected ${useBias ? 2 : 1}`, { ...src, tensor: list[list.length - 1]?.path ?? layer.name, expected: useBias ? 2 : 1, actual: list.length });
    }
    const [inF, out] = kernel.shape as [number, number];
    const w = new Float32Array(inF * out);
    for (let i = 0; i < inF; i++) for (let o = 0; o < out; o++) w[o * inF + i] = kernel.data[i * out + o]!;
    const name = uniqueName(layer.name);
    put(`${name}.weight`, { shape: [out, inF], data: w }, kernel.path);
    if (bias) put(`${name}.bias`, { shape: [out], data: Float32Array.from(bias.data) }, bias.path);
    layers.push({ type: 'linear', name, inFeatures: inF, outFeatures: out, bias: useBias });
    width = out;
    addActivation(layer, activationName(inner.activation));
  };

  kerasList.forEach((layer, index) => {
    const c = layer.config;
    switch (layer.className) {
      case 'InputLayer': {
        const shape = (c.batch_shape ?? c.batch_input_shape) as (number | null)[] | undefined;
        if (Array.isArray(shape) && shape.length === 3 && typeof shape[2] === 'number') width = shape[2];
        if (Array.isArray(shape) && shape.length !== 2 && shape.length !== 3) unsupported(layer, `input shape [${shape.join(', ')}] is not a sequence ([batch, time] ids or [batch, time, features])`);
        break;
      }
      case 'Embedding': {
        if (layers.length) unsupported(layer, 'an Embedding must be the first layer');
        const V = Number(c.input_dim);
        const E = Number(c.output_dim);
        const [list] = source.weights(layer, index, kerasList);
        const table = load(layer, list![0], 'embeddings', [V, E]);
        const name = uniqueName(layer.name);
        put(`${name}.weight`, { shape: [V, E], data: Float32Array.from(table.data) }, table.path);
        maskZero = c.mask_zero === true;
        layers.push({ type: 'embedding', name, numEmbeddings: V, embeddingDim: E, ...(maskZero ? { maskZero: true } : {}) });
        width = E;
        break;
      }
      case 'LSTM':
        lstmFrom(layer, c, source.weights(layer, index, kerasList), false);
        break;
      case 'Bidirectional': {
        const inner = c.layer as Record<string, unknown> | undefined;
        if (!inner || inner.class_name !== 'LSTM') unsupported(layer, `only Bidirectional(LSTM) is supported, this wraps ${String(inner?.class_name)}`);
        const merge = c.merge_mode === undefined ? 'concat' : c.merge_mode;
        if (merge !== 'concat') unsupported(layer, `merge_mode '${String(merge)}' is not supported (concat is)`);
        const fwd = inner!.config as Record<string, unknown>;
        const back = (c.backward_layer as Record<string, unknown> | undefined)?.config as Record<string, unknown> | undefined;
        if (back && (back.units !== fwd.units || back.return_sequences !== fwd.return_sequences || back.use_bias !== fwd.use_bias || activationName(back.activation) !== activationName(fwd.activation))) {
          unsupported(layer, 'a backward_layer that differs from the forward layer is not supported');
        }
        const groups = source.weights(layer, index, kerasList);
        lstmFrom(layer, fwd, groups, true);
        break;
      }
      case 'Dense': {
        const [list] = source.weights(layer, index, kerasList);
        denseFrom(layer, c, list!);
        break;
      }
      case 'TimeDistributed': {
        const inner = c.layer as Record<string, unknown> | undefined;
        if (!inner || inner.class_name !== 'Dense') unsupported(layer, `only TimeDistributed(Dense) is supported`);
        const [list] = source.weights(layer, index, kerasList);
        denseFrom(layer, inner!.config as Record<string, unknown>, list!);
        break;
      }
      case 'Activation':
        addActivation(layer, activationName(c.activation));
        break;
      case 'Masking':
        unsupported(layer, 'Masking is not supported (use Embedding(mask_zero=True) or pass lengths to forward)');
        break;
      case 'GRU':
        unsupported(layer, "Keras GRU layers are not converted yet (cellstate's GRU takes PyTorch nn.GRU weights: importPytorch and importOnnx read those)");
        break;
      default:
        if (NO_OPS.has(layer.className)) break;
        unsupported(layer, 'this layer type is not supported (InputLayer, Embedding, LSTM, Bidirectional(LSTM), Dense, TimeDistributed(Dense), Activation, Dropout are)');
    }
  });
  if (layers.length === 0) throw new InteropError('keras', 'unsupported', 'the model has no layer cellstate can import', src);
  const config = validateConfig({ format: MODEL_CONFIG_FORMAT, version: 1, batchFirst: true, layers }, 'keras', file);
  return { format, ...(kerasVersion !== undefined ? { kerasVersion } : {}), config, tensors, origins, notes };
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
  checkConfigAgainstWeights(file.config, file.tensors, 'keras', options.source);
  const model = new SequenceModel(file.config, options.seed !== undefined ? { seed: options.seed } : {});
  try {
    applyWeights(model, file.tensors, { format: 'keras', fileName: (n) => file.origins.get(n), ...(options.source !== undefined ? { source: options.source } : {}), ...(options.allowNonFinite ? { allowNonFinite: true } : {}) });
  } catch (e) {
    model.dispose();
    throw e;
  }
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
  return applyWeights(model, file.tensors, { format: 'keras', strict: options.strict ?? true, fileName: (n) => file.origins.get(n), ...(options.source !== undefined ? { source: options.source } : {}), ...(options.allowNonFinite ? { allowNonFinite: true } : {}) });
}
