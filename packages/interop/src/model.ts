import { Embedding, Linear, Module } from '@cellstate/nn';
import { GRU, LSTM, type RecurrentOptions } from '@cellstate/lstm';
import { ArgumentError, DTypeError, reshape, relu, scope, sigmoid, slice, softmax, squeeze, tanh, transpose, type Tensor } from '@cellstate/tensor';
import { validateConfig, type GruSpec, type LayerSpec, type LstmSpec, type ModelConfig } from './config.js';
import { InteropError } from './errors.js';

export interface SequenceModelOptions {
  /** Seed of the initial weights (default 0). Imports replace them anyway. */
  seed?: number;
}

export interface SequenceModelForwardOptions {
  /**
   * Real length of each sample, passed to every recurrent layer (steps past it output
   * zeros and do not change the state). Derived from trailing zero ids when the
   * embedding has `maskZero` and this is not given.
   */
  lengths?: readonly number[] | Tensor;
}

/**
 * A model built from a `ModelConfig`: embedding, LSTM, GRU, linear and activation
 * layers in a chain, each a child module named as in the config, so its parameters
 * carry PyTorch state-dict names (`lstm.weight_ih_l0_reverse`, `gru.bias_hh_l1`,
 * `head.bias`). This is what every importer in `@cellstate/interop` returns and what
 * the exporters write.
 *
 * @example
 * ```ts
 * const model = new SequenceModel({
 *   format: 'cellstate.sequence-model', version: 1, batchFirst: true,
 *   layers: [
 *     { type: 'lstm', name: 'lstm', inputSize: 3, hiddenSize: 8, numLayers: 2, bidirectional: true, output: 'final' },
 *     { type: 'linear', name: 'head', inFeatures: 16, outFeatures: 2 },
 *   ],
 * });
 * const y = model.forward(randomUniform([4, 10, 3]), { lengths: [10, 8, 5, 2] }); // [4, 2]
 * ```
 */
export class SequenceModel extends Module {
  readonly config: ModelConfig;
  readonly #layers: { spec: LayerSpec; module?: Module }[] = [];

  constructor(config: ModelConfig, options: SequenceModelOptions = {}) {
    super();
    this.config = validateConfig(config);
    // Checked before any layer is built, so a refused config leaves nothing allocated.
    const resetFirst = this.config.layers.find((l) => l.type === 'gru' && l.linearBeforeReset === false);
    if (resetFirst) {
      throw new InteropError(
        'cellstate',
        'unsupported',
        `layer '${resetFirst.name}' is a GRU with linearBeforeReset = false (ONNX linear_before_reset = 0: the reset gate applied before the recurrent product); cellstate's GRU computes PyTorch's nn.GRU, which is linear_before_reset = 1`,
        { expected: 'linearBeforeReset: true', actual: 'linearBeforeReset: false' },
      );
    }
    const seed = options.seed ?? 0;
    this.config.layers.forEach((spec, i) => {
      const layerSeed = seed * 1009 + i * 7 + 1;
      switch (spec.type) {
        case 'embedding':
          this.#layers.push({ spec, module: this.addModule(spec.name, new Embedding(spec.numEmbeddings, spec.embeddingDim, { seed: layerSeed, ...(spec.paddingIdx !== undefined ? { paddingIdx: spec.paddingIdx } : {}) })) });
          break;
        case 'lstm':
        case 'gru': {
          const opts = recurrentLayerOptions(spec, this.config.batchFirst, layerSeed);
          this.#layers.push({ spec, module: this.addModule(spec.name, spec.type === 'lstm' ? new LSTM(opts) : new GRU(opts)) });
          break;
        }
        case 'linear':
          this.#layers.push({ spec, module: this.addModule(spec.name, new Linear(spec.inFeatures, spec.outFeatures, { bias: spec.bias ?? true, seed: layerSeed })) });
          break;
        case 'activation':
          this.#layers.push({ spec });
          break;
      }
    });
  }

  /** The child module of a layer by its config name. */
  layer(name: string): Module | undefined {
    return this.#layers.find((l) => l.spec.name === name)?.module;
  }

  /**
   * Runs the chain. `input` is float [B, T, I] (or [T, B, I] without batchFirst), or
   * int32 ids [B, T] / [T, B] when the first layer is an embedding. The caller owns
   * the result; the input is not disposed.
   */
  forward(input: Tensor, options: SequenceModelForwardOptions = {}): Tensor {
    const first = this.config.layers[0]!;
    if (first.type === 'embedding' && input.dtype !== 'int32') {
      throw new DTypeError({ op: 'SequenceModel.forward', detail: 'the first layer is an embedding: input must be int32 ids', expected: 'int32', actual: input.dtype });
    }
    let lengths = options.lengths;
    if (lengths === undefined && first.type === 'embedding' && first.maskZero) lengths = lengthsFromTrailingZeros(input, this.config.batchFirst);
    return scope(() => {
      let x = input;
      const timeAxis = this.config.batchFirst ? 1 : 0;
      let isSequence = true;
      for (const { spec, module } of this.#layers) {
        switch (spec.type) {
          case 'embedding':
            x = (module as Embedding).forward(x);
            break;
          case 'lstm':
          case 'gru': {
            if (!isSequence) throw new ArgumentError('SequenceModel.forward', `layer '${spec.name}' needs a sequence`);
            const opts: { lengths?: readonly number[] | Tensor } = lengths === undefined ? {} : { lengths };
            const r = spec.type === 'lstm' ? (module as LSTM).forward(x, opts) : (module as GRU).forward(x, opts);
            x = recurrentOutput(spec, r.output, r.h, timeAxis);
            isSequence = (spec.output ?? 'sequence') === 'sequence';
            break;
          }
          case 'linear':
            x = (module as Linear).forward(x);
            break;
          case 'activation':
            x = spec.function === 'relu' ? relu(x) : spec.function === 'tanh' ? tanh(x) : spec.function === 'sigmoid' ? sigmoid(x) : softmax(x, -1);
            break;
        }
      }
      return x === input ? reshape(x, x.shape) : x;
    });
  }
}

/** The `LSTM` / `GRU` constructor options of a recurrent layer spec, with the config's defaults filled in. */
function recurrentLayerOptions(spec: LstmSpec | GruSpec, batchFirst: boolean, seed: number): RecurrentOptions {
  return {
    inputSize: spec.inputSize,
    hiddenSize: spec.hiddenSize,
    numLayers: spec.numLayers ?? 1,
    bidirectional: spec.bidirectional ?? false,
    bias: spec.bias ?? true,
    dropout: spec.dropout ?? 0,
    batchFirst,
    seed,
  };
}

/** What a recurrent layer hands to the next layer, by its `output` mode (see `RecurrentOutput`). */
function recurrentOutput(spec: LstmSpec | GruSpec, output: Tensor, h: Tensor, timeAxis: number): Tensor {
  const D = spec.bidirectional ? 2 : 1;
  const H = spec.hiddenSize;
  const B = h.shape[1]!;
  const mode = spec.output ?? 'sequence';
  if (mode === 'sequence') return output;
  if (mode === 'final') {
    const L = h.shape[0]!;
    const top = slice(h, [L - D, 0, 0], [D, B, H]); // [D, B, H]
    return reshape(transpose(top, [1, 0, 2]), [B, D * H]);
  }
  const T = output.shape[timeAxis]!;
  const begin = timeAxis === 1 ? [0, T - 1, 0] : [T - 1, 0, 0];
  const size = timeAxis === 1 ? [B, 1, D * H] : [1, B, D * H];
  return squeeze(slice(output, begin, size), [timeAxis]);
}

/** Lengths from ids whose padding (0) is at the end of each sample; throws when a 0 is followed by a real id. */
export function lengthsFromTrailingZeros(ids: Tensor, batchFirst: boolean): number[] {
  if (ids.rank !== 2) throw new ArgumentError('SequenceModel.forward', `ids must be [B, T] or [T, B], got rank ${ids.rank}`);
  if (!ids.backend.capabilities.syncRead) throw new ArgumentError('SequenceModel.forward', 'maskZero needs ids it can read synchronously; pass lengths explicitly on this backend');
  const values = ids.dataSync();
  const [a, b] = ids.shape as [number, number];
  const B = batchFirst ? a : b;
  const T = batchFirst ? b : a;
  const out: number[] = [];
  for (let s = 0; s < B; s++) {
    let len = 0;
    let seenPad = false;
    for (let t = 0; t < T; t++) {
      const v = values[batchFirst ? s * T + t : t * B + s]!;
      if (v === 0) seenPad = true;
      else if (seenPad) throw new ArgumentError('SequenceModel.forward', `sample ${s} has padding (id 0) before step ${t}; maskZero supports padding at the end only`);
      else len = t + 1;
    }
    out.push(len);
  }
  return out;
}

