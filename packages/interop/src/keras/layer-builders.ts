/**
 * Keras layers to cellstate layers, one builder per layer class. LSTM kernel [I, 4H]
 * and recurrent_kernel [H, 4H] (gates i, f, c, o, the same order as PyTorch's i, f, g, o)
 * are transposed; the one bias becomes `bias_ih` with `bias_hh` = 0 (`kerasToPytorch`).
 * Dense kernel [in, out] is transposed.
 */
import { kerasToPytorch } from '@cellstate/lstm';
import { validateConfig, MODEL_CONFIG_FORMAT, type ActivationFunction } from '../config.js';
import { InteropError } from '../errors.js';
import { ImportCollector } from '../import-collector.js';
import type { HostTensor } from '../weights.js';
import type { KerasFile, KerasFormat } from './keras-file.js';
import { activationName, kerasLayers, type KerasLayer } from './model-config.js';
import type { WeightEntry, WeightSource } from './weight-sources.js';

/** Inference no-ops: nothing to build. */
const NO_OPS = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'ActivityRegularization', 'AlphaDropout']);

/** Builds the cellstate config and PyTorch-layout weights of a Keras model config whose weights `weights` hands out. */
export function build(format: KerasFormat, kerasVersion: string | undefined, rawConfig: unknown, weights: WeightSource, file: string | undefined): KerasFile {
  const { layers: kerasList } = kerasLayers(rawConfig, file);
  const builder = new LayerBuilders(weights, kerasList, file);
  kerasList.forEach((layer, index) => builder.add(layer, index));
  const { layers, tensors, origins, notes } = builder.out;
  if (layers.length === 0) throw new InteropError('keras', 'unsupported', 'the model has no layer cellstate can import', builder.src);
  const config = validateConfig({ format: MODEL_CONFIG_FORMAT, version: 1, batchFirst: true, layers }, 'keras', file);
  return { format, ...(kerasVersion !== undefined ? { kerasVersion } : {}), config, tensors, origins, notes };
}

class LayerBuilders {
  readonly out = new ImportCollector();
  readonly src: { source?: string };
  /** Features flowing into the next layer, once known. */
  #width: number | undefined;
  #maskZero = false;
  /** Whether the next layer gets a sequence (false after an LSTM that returns its final state). */
  #sequence = true;

  constructor(
    readonly weights: WeightSource,
    readonly all: KerasLayer[],
    file: string | undefined,
  ) {
    this.src = file !== undefined ? { source: file } : {};
  }

  add(layer: KerasLayer, index: number): void {
    const c = layer.config;
    switch (layer.className) {
      case 'InputLayer':
        return this.#input(layer);
      case 'Embedding':
        return this.#embedding(layer, index);
      case 'LSTM':
        return this.#lstm(layer, c, this.weights.weights(layer, index, this.all), false);
      case 'Bidirectional':
        return this.#bidirectional(layer, index);
      case 'Dense': {
        const [list] = this.weights.weights(layer, index, this.all);
        return this.#dense(layer, c, list!);
      }
      case 'TimeDistributed': {
        const inner = c.layer as Record<string, unknown> | undefined;
        if (!inner || inner.class_name !== 'Dense') this.#unsupported(layer, `only TimeDistributed(Dense) is supported`);
        const [list] = this.weights.weights(layer, index, this.all);
        return this.#dense(layer, inner!.config as Record<string, unknown>, list!);
      }
      case 'Activation':
        return this.#activation(layer, activationName(c.activation));
      case 'Masking':
        return this.#unsupported(layer, 'Masking is not supported (use Embedding(mask_zero=True) or pass lengths to forward)');
      case 'GRU':
        return this.#unsupported(layer, "Keras GRU layers are not converted yet (cellstate's GRU takes PyTorch nn.GRU weights: importPytorch and importOnnx read those)");
      default:
        if (NO_OPS.has(layer.className)) return;
        this.#unsupported(layer, 'this layer type is not supported (InputLayer, Embedding, LSTM, Bidirectional(LSTM), Dense, TimeDistributed(Dense), Activation, Dropout are)');
    }
  }

  #unsupported(layer: KerasLayer, detail: string): never {
    throw new InteropError('keras', 'unsupported', `layer '${layer.name}' (${layer.className}): ${detail}`, this.src);
  }

  /** Reads one weight, checking its shape (`undefined` dimensions are not checked). */
  #load(layer: KerasLayer, entry: WeightEntry | undefined, what: string, expected: (number | undefined)[]): HostTensor & { path: string } {
    if (!entry) throw new InteropError('keras', 'missing-tensor', `missing ${what} of layer '${layer.name}'`, { ...this.src, expected: expected.map((d) => d ?? -1) });
    const t = entry.tensor();
    if (t.shape.length !== expected.length || expected.some((d, i) => d !== undefined && d !== t.shape[i])) {
      throw new InteropError('keras', 'shape-mismatch', `tensor '${entry.path}' (${what} of layer '${layer.name}') has the wrong shape`, {
        tensor: entry.path,
        expected: expected.map((d, i) => d ?? t.shape[i] ?? -1),
        actual: t.shape,
        ...this.src,
      });
    }
    return { ...t, path: entry.path };
  }

  #input(layer: KerasLayer): void {
    const c = layer.config;
    const shape = (c.batch_shape ?? c.batch_input_shape) as (number | null)[] | undefined;
    if (Array.isArray(shape) && shape.length === 3 && typeof shape[2] === 'number') this.#width = shape[2];
    if (Array.isArray(shape) && shape.length !== 2 && shape.length !== 3) this.#unsupported(layer, `input shape [${shape.join(', ')}] is not a sequence ([batch, time] ids or [batch, time, features])`);
  }

  #embedding(layer: KerasLayer, index: number): void {
    const { out } = this;
    const c = layer.config;
    if (out.layers.length) this.#unsupported(layer, 'an Embedding must be the first layer');
    const V = Number(c.input_dim);
    const E = Number(c.output_dim);
    const [list] = this.weights.weights(layer, index, this.all);
    const table = this.#load(layer, list![0], 'embeddings', [V, E]);
    const name = out.uniqueName(layer.name);
    out.put(`${name}.weight`, { shape: [V, E], data: Float32Array.from(table.data) }, table.path);
    this.#maskZero = c.mask_zero === true;
    out.layers.push({ type: 'embedding', name, numEmbeddings: V, embeddingDim: E, ...(this.#maskZero ? { maskZero: true } : {}) });
    this.#width = E;
  }

  #activation(layer: KerasLayer, fn: string): void {
    if (fn === 'linear') return;
    if (!['relu', 'tanh', 'sigmoid', 'softmax'].includes(fn)) this.#unsupported(layer, `activation '${fn}' is not supported (linear, relu, tanh, sigmoid, softmax are)`);
    this.out.layers.push({ type: 'activation', name: this.out.uniqueName(`${layer.name}_${fn}`), function: fn as ActivationFunction });
  }

  #bidirectional(layer: KerasLayer, index: number): void {
    const c = layer.config;
    const inner = c.layer as Record<string, unknown> | undefined;
    if (!inner || inner.class_name !== 'LSTM') this.#unsupported(layer, `only Bidirectional(LSTM) is supported, this wraps ${String(inner?.class_name)}`);
    const merge = c.merge_mode === undefined ? 'concat' : c.merge_mode;
    if (merge !== 'concat') this.#unsupported(layer, `merge_mode '${String(merge)}' is not supported (concat is)`);
    const fwd = inner!.config as Record<string, unknown>;
    const back = (c.backward_layer as Record<string, unknown> | undefined)?.config as Record<string, unknown> | undefined;
    if (back && (back.units !== fwd.units || back.return_sequences !== fwd.return_sequences || back.use_bias !== fwd.use_bias || activationName(back.activation) !== activationName(fwd.activation))) {
      this.#unsupported(layer, 'a backward_layer that differs from the forward layer is not supported');
    }
    this.#lstm(layer, fwd, this.weights.weights(layer, index, this.all), true);
  }

  /** An LSTM (`inner` is its config; a Bidirectional's is its forward layer's) with one weight list per direction. */
  #lstm(layer: KerasLayer, inner: Record<string, unknown>, groups: WeightEntry[][], bidirectional: boolean): void {
    const { out } = this;
    const H = Number(inner.units);
    this.#checkLstm(layer, inner, H, bidirectional);
    const useBias = inner.use_bias !== false;
    const returnSequences = inner.return_sequences === true;
    if (this.#maskZero && returnSequences && !bidirectional) {
      out.notes.push(`layer '${layer.name}': with mask_zero, Keras repeats the last real output at padded steps (zero_output_for_mask=False); cellstate outputs zeros there`);
    }
    const name = out.uniqueName(layer.name);
    let I = this.#width;
    groups.forEach((list, d) => {
      I = this.#lstmDirection(layer, list, d, I, H, useBias, bidirectional, name);
    });
    out.layers.push({ type: 'lstm', name, inputSize: I!, hiddenSize: H, numLayers: 1, bidirectional, bias: useBias, output: returnSequences ? 'sequence' : 'final' });
    this.#width = (bidirectional ? 2 : 1) * H;
    this.#sequence = returnSequences;
  }

  /** Refuses LSTM settings cellstate's LSTM does not compute; `stateful` becomes a note. */
  #checkLstm(layer: KerasLayer, inner: Record<string, unknown>, H: number, bidirectional: boolean): void {
    if (!Number.isInteger(H) || H < 1) this.#unsupported(layer, `'units' is ${String(inner.units)}`);
    const act = activationName(inner.activation);
    const rec = activationName(inner.recurrent_activation);
    if (act !== 'tanh' || rec !== 'sigmoid') this.#unsupported(layer, `activation '${act}' / recurrent_activation '${rec}' are not supported (only tanh / sigmoid, Keras' defaults; 'hard_sigmoid' of old Keras 2 models differs)`);
    if (inner.return_state === true) this.#unsupported(layer, 'return_state=True is not supported');
    if (inner.time_major === true) this.#unsupported(layer, 'time_major=True is not supported');
    if (!bidirectional && inner.go_backwards === true) this.#unsupported(layer, 'go_backwards=True outside Bidirectional is not supported');
    if (inner.stateful === true) this.out.notes.push(`layer '${layer.name}' is stateful in Keras; in cellstate pass the state explicitly (LSTM.forward's state option)`);
    if (!this.#sequence) this.#unsupported(layer, 'it needs a sequence but the previous layer outputs one vector per sample');
  }

  /** Puts direction `d`'s weights in PyTorch layout; returns the input size (from the kernel when not yet known). */
  #lstmDirection(layer: KerasLayer, list: WeightEntry[], d: number, inputSize: number | undefined, H: number, useBias: boolean, bidirectional: boolean, name: string): number {
    const kernel = this.#load(layer, list[0], d === 0 ? 'kernel' : 'backward kernel', [inputSize, 4 * H]);
    const I = kernel.shape[0]!;
    const recurrent = this.#load(layer, list[1], d === 0 ? 'recurrent_kernel' : 'backward recurrent_kernel', [H, 4 * H]);
    const bias = useBias ? this.#load(layer, list[2], d === 0 ? 'bias' : 'backward bias', [4 * H]) : undefined;
    const extra = list.length - (useBias ? 3 : 2);
    if (extra !== 0) {
      throw new InteropError('keras', extra > 0 ? 'unexpected-tensor' : 'missing-tensor', `layer '${layer.name}' has ${list.length} weights${bidirectional ? ' per direction' : ''}, expected ${useBias ? 3 : 2} (kernel, recurrent_kernel${useBias ? ', bias' : ''})`, {
        ...this.src,
        tensor: list[useBias ? 3 : 2]?.path ?? list[0]?.path ?? layer.name,
        expected: useBias ? 3 : 2,
        actual: list.length,
      });
    }
    const pt = kerasToPytorch({ kernel: kernel.data as Float32Array, recurrentKernel: recurrent.data as Float32Array, bias: (bias?.data as Float32Array) ?? new Float32Array(4 * H) }, I, H);
    const suffix = `_l0${d === 1 ? '_reverse' : ''}`;
    this.out.put(`${name}.weight_ih${suffix}`, { shape: [4 * H, I], data: pt.weightIh }, kernel.path);
    this.out.put(`${name}.weight_hh${suffix}`, { shape: [4 * H, H], data: pt.weightHh }, recurrent.path);
    if (bias) {
      this.out.put(`${name}.bias_ih${suffix}`, { shape: [4 * H], data: pt.biasIh }, bias.path);
      this.out.put(`${name}.bias_hh${suffix}`, { shape: [4 * H], data: pt.biasHh }, bias.path);
    }
    return I;
  }

  /** A Dense (or the Dense inside TimeDistributed), then its activation as a layer of its own. */
  #dense(layer: KerasLayer, inner: Record<string, unknown>, list: WeightEntry[]): void {
    const { out } = this;
    const units = Number(inner.units);
    const useBias = inner.use_bias !== false;
    const kernel = this.#load(layer, list[0], 'kernel', [this.#width, units]);
    const bias = useBias ? this.#load(layer, list[1], 'bias', [units]) : undefined;
    if (list.length !== (useBias ? 2 : 1)) {
      throw new InteropError('keras', 'unexpected-tensor', `layer '${layer.name}' has ${list.length} weights, expected ${useBias ? 2 : 1}`, { ...this.src, tensor: list[list.length - 1]?.path ?? layer.name, expected: useBias ? 2 : 1, actual: list.length });
    }
    const [inF, outF] = kernel.shape as [number, number];
    const w = new Float32Array(inF * outF);
    for (let i = 0; i < inF; i++) for (let o = 0; o < outF; o++) w[o * inF + i] = kernel.data[i * outF + o]!;
    const name = out.uniqueName(layer.name);
    out.put(`${name}.weight`, { shape: [outF, inF], data: w }, kernel.path);
    if (bias) out.put(`${name}.bias`, { shape: [outF], data: Float32Array.from(bias.data) }, bias.path);
    out.layers.push({ type: 'linear', name, inFeatures: inF, outFeatures: outF, bias: useBias });
    this.#width = outF;
    this.#activation(layer, activationName(inner.activation));
  }
}
