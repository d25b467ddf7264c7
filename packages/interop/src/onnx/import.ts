/**
 * ONNX import of recurrent models as PyTorch's `torch.onnx.export` writes them: a chain
 * of `Gather` (embedding), `LSTM` / `GRU` (one node per stacked layer), `Gemm` or
 * `MatMul` + `Add` (linear) and `Relu` / `Tanh` / `Sigmoid` / `Softmax`, joined by the
 * shape glue the exporter emits (`Transpose`, `Reshape`, `Squeeze`, `Unsqueeze`,
 * `Identity`, `Cast`, `Dropout`, `Flatten`, a `Gather` of the last step, the `Concat` of
 * each layer's `Y_h` into `h_n` and `torch.cat([h[-2], h[-1]], 1)`).
 *
 * The graph is read from its output back to its input; each recurrent layer's output
 * mode (`sequence`, `final` or `last-step`) and the batch-first layout are recognised
 * from the glue. Anything else is an `InteropError` (`unsupported`) naming the node.
 * Weights are converted to PyTorch's layout and names (`<layer>.weight_ih_l0`, ...):
 * ONNX LSTM gates i, o, f, c -> i, f, g, o; ONNX GRU gates z, r, h -> r, z, n.
 */
import { buildModel, loadWeights } from '../build-model.js';
import { validateConfig, MODEL_CONFIG_FORMAT, type ModelConfig } from '../config.js';
import { InteropError } from '../errors.js';
import type { SequenceModel, SequenceModelOptions } from '../model.js';
import type { HostTensor, LoadReport } from '../weights.js';
import { dataPath } from './data-path.js';
import { Graph } from './graph.js';
import { LayerReplay } from './layer-replay.js';
import { decodeOnnxModel } from './proto.js';

export interface ReadOnnxOptions {
  /** File name or label for messages. */
  source?: string;
  /** Load weights holding NaN or ±Infinity (default false: `InteropError` code `non-finite` naming the tensor). */
  allowNonFinite?: boolean;
}

export interface OnnxFile {
  config: ModelConfig;
  /** Weights in PyTorch layout under state-dict names (GRU weights included). */
  tensors: Map<string, HostTensor>;
  /** Which ONNX initializer each tensor came from. */
  origins: Map<string, string>;
  /** Things worth knowing (a `sequence_lens` input, ignored extra outputs, ...). */
  notes: string[];
  opset: number;
  producer: string;
}

/** Reads an ONNX model into a config and PyTorch-layout weights (no backend needed). */
export function readOnnx(bytes: Uint8Array, options: ReadOnnxOptions = {}): OnnxFile {
  const source = options.source;
  const proto = decodeOnnxModel(bytes, source);
  const graphProto = proto.graph;
  if (!graphProto || !graphProto.output?.length) throw new InteropError('onnx', 'invalid-file', 'the model has no graph or no outputs', source !== undefined ? { source } : {});
  const opset = Number(proto.opset_import?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  const g = new Graph(graphProto.node ?? [], graphProto.initializer ?? [], (graphProto.input ?? []).map((i) => i.name), source);
  const replay = new LayerReplay(g);
  if (graphProto.output.length > 1) replay.out.notes.push(`the graph has ${graphProto.output.length} outputs; only '${graphProto.output[0]!.name}' is imported`);
  replay.replay(dataPath(g, graphProto.output[0]!.name, opset));
  const { layers, tensors, origins, notes } = replay.out;
  if (layers.length === 0) throw new InteropError('onnx', 'unsupported', 'the graph has no layer cellstate can import (LSTM, GRU, Gemm, MatMul, Gather)', g.src);
  const config = validateConfig({ format: MODEL_CONFIG_FORMAT, version: 1, batchFirst: replay.batchFirst ?? true, layers }, 'onnx', source);
  return { config, tensors, origins, notes, opset, producer: `${proto.producer_name ?? ''} ${proto.producer_version ?? ''}`.trim() };
}

/** cellstate's GRU is PyTorch's (linear_before_reset = 1); weights of the other form would load but compute something else. */
function refuseResetBeforeLinear(file: OnnxFile, source: string | undefined): void {
  const gru = file.config.layers.find((l) => l.type === 'gru' && l.linearBeforeReset === false);
  if (gru) {
    throw new InteropError(
      'onnx',
      'unsupported',
      `layer '${gru.name}' is a GRU with linear_before_reset = 0 (the reset gate applied before the recurrent product); cellstate's GRU computes PyTorch's nn.GRU, which is linear_before_reset = 1 (readOnnx still returns the weights)`,
      { expected: 'linear_before_reset = 1', actual: 'linear_before_reset = 0', ...(source !== undefined ? { source } : {}) },
    );
  }
}

export interface ImportOnnxOptions extends ReadOnnxOptions, SequenceModelOptions {}

export interface ImportedOnnx {
  model: SequenceModel;
  config: ModelConfig;
  notes: string[];
}

/**
 * Builds a `SequenceModel` from an ONNX file (see `readOnnx` for what is recognised).
 * LSTM and GRU nodes become `@cellstate/lstm` `LSTM` and `GRU` layers. A GRU with
 * `linear_before_reset = 0` (which PyTorch never exports) throws `InteropError`
 * (`unsupported`): cellstate's GRU computes PyTorch's `linear_before_reset = 1`.
 *
 * @example
 * ```ts
 * const { model, notes } = await importOnnx(bytes, { source: 'model.onnx' });
 * const y = model.forward(x, { lengths });
 * ```
 */
export async function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): Promise<ImportedOnnx> {
  const file = readOnnx(bytes, options);
  refuseResetBeforeLinear(file, options.source);
  const model = buildModel(file.config, file.tensors, 'onnx', { ...options, origins: file.origins });
  return { model, config: file.config, notes: file.notes };
}

export interface LoadOnnxOptions extends ReadOnnxOptions {
  /** Every parameter must be in the file and nothing else (default true). */
  strict?: boolean;
}

/**
 * Loads the weights of an ONNX file into an existing model whose parameter names
 * follow the ONNX graph's scopes (as `readOnnx` names them). Validates first.
 */
export async function loadOnnx(model: SequenceModel, bytes: Uint8Array, options: LoadOnnxOptions = {}): Promise<LoadReport> {
  const file = readOnnx(bytes, options);
  refuseResetBeforeLinear(file, options.source);
  return loadWeights(model, file.tensors, 'onnx', { ...options, origins: file.origins }, options.strict ?? true);
}
