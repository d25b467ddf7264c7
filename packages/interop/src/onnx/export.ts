/**
 * ONNX export of a `SequenceModel`, written with protobufjs and the official
 * onnx.proto. LSTM layers become the ONNX `LSTM` op (gates i, o, f, c;
 * W [D, 4H, I], R [D, 4H, H], B [D, 8H] = Wb ‖ Rb, via `pytorchToOnnx`), GRU layers the
 * ONNX `GRU` op with `linear_before_reset = 1` (gates z, r, h; W [D, 3H, I],
 * R [D, 3H, H], B [D, 6H], via `pytorchGruToOnnx`); one node per stacked layer,
 * `direction: bidirectional` for two directions and `sequence_lens` for variable lengths. Linear layers become `Gemm` (one vector per sample) or
 * `MatMul` + `Add` (every step); embeddings `Gather`.
 */
import { pytorchGruToOnnx, pytorchToOnnx, type PytorchLstmWeights } from '@cellstate/lstm';
import type { LayerSpec, ModelConfig } from '../config.js';
import { InteropError } from '../errors.js';
import type { SequenceModel } from '../model.js';
import { readParameters, type HostTensor } from '../weights.js';
import { AttributeType, DataType, encodeOnnxModel, type AttributeProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.js';
import { floatTensor, int64Tensor } from './tensors.js';

export interface ExportOnnxOptions {
  /** ONNX opset (default 17; 14 or later). */
  opsetVersion?: number;
  /**
   * Add an int32 `sequence_lens` [B] graph input feeding every LSTM and GRU (default true
   * when the model has a recurrent layer and no `maskZero` embedding, which derives
   * the lengths from the ids inside the graph). Steps past a sample's length output
   * zeros; the final state is the one after its last real step.
   */
  sequenceLens?: boolean;
  /** Graph input name (default `input`, or `ids` when the first layer is an embedding). */
  inputName?: string;
  /** Graph output name (default `output`). */
  outputName?: string;
  /** ONNX graph name (default `cellstate`). */
  graphName?: string;
  /** Written as `producer_version` (default the package version). */
  producerVersion?: string;
}

/** Names of the graph's inputs and outputs, as `describeOnnxExport` reports them. */
export interface OnnxExportSignature {
  inputs: { name: string; dtype: 'float32' | 'int64' | 'int32'; shape: (number | string)[] }[];
  outputs: { name: string; dtype: 'float32'; shape: (number | string)[] }[];
}

const ONNX_IR_VERSION = 8;

class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  #counter = 0;
  #constants = new Map<string, string>();

  fresh(base: string): string {
    return `${base}_${this.#counter++}`;
  }

  node(op: string, name: string, inputs: string[], outputs: number | string[], attributes: AttributeProto[] = []): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`) : outputs;
    this.nodes.push({ op_type: op, name, input: inputs, output: outs, ...(attributes.length ? { attribute: attributes } : {}) });
    return outs;
  }

  init(t: TensorProto): string {
    this.initializers.push(t);
    return t.name!;
  }

  /** A shared int64 constant initializer. */
  int64(values: readonly number[], dims: readonly number[]): string {
    const key = `${dims.join('x')}:${values.join(',')}`;
    let name = this.#constants.get(key);
    if (!name) {
      name = `const_i64_${this.#constants.size}`;
      this.#constants.set(key, name);
      this.init(int64Tensor(name, dims, values));
    }
    return name;
  }
}

const attrInt = (name: string, i: number): AttributeProto => ({ name, type: AttributeType.INT, i });
const attrInts = (name: string, ints: number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints });
const attrFloat = (name: string, f: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f });
const attrString = (name: string, s: string): AttributeProto => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) });

function valueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } } };
}

function hasRecurrent(config: ModelConfig): boolean {
  return config.layers.some((l) => l.type === 'lstm' || l.type === 'gru');
}

/** The inputs and outputs `exportOnnx` gives a model (names, dtypes, symbolic shapes). */
export function describeOnnxExport(config: ModelConfig, options: ExportOnnxOptions = {}): OnnxExportSignature {
  const first = config.layers[0]!;
  const ids = first.type === 'embedding';
  const maskZero = ids && first.maskZero === true;
  const seqDims = config.batchFirst ? ['batch', 'time'] : ['time', 'batch'];
  const inputs: OnnxExportSignature['inputs'] = [];
  const inputSize = ids ? undefined : first.type === 'lstm' || first.type === 'gru' ? first.inputSize : first.type === 'linear' ? first.inFeatures : undefined;
  inputs.push(ids ? { name: options.inputName ?? 'ids', dtype: 'int64', shape: seqDims } : { name: options.inputName ?? 'input', dtype: 'float32', shape: [...seqDims, inputSize ?? 'features'] });
  if ((options.sequenceLens ?? true) && hasRecurrent(config) && !maskZero) inputs.push({ name: 'sequence_lens', dtype: 'int32', shape: ['batch'] });
  // Output shape: follow the chain.
  let shape: (number | string)[] = ids ? [...seqDims] : [...seqDims, inputSize ?? 'features'];
  for (const l of config.layers) {
    if (l.type === 'embedding') shape = [...seqDims, l.embeddingDim];
    else if (l.type === 'lstm' || l.type === 'gru') {
      const width = l.hiddenSize * (l.bidirectional ? 2 : 1);
      shape = (l.output ?? 'sequence') === 'sequence' ? [...seqDims, width] : ['batch', width];
    } else if (l.type === 'linear') shape = [...shape.slice(0, -1), l.outFeatures];
  }
  return { inputs, outputs: [{ name: options.outputName ?? 'output', dtype: 'float32', shape }] };
}

/**
 * Writes a `SequenceModel` as an ONNX model (IR 8, opset 17 by default) that ONNX
 * Runtime runs: inputs `input` (float [B, T, I], or [T, B, I] without batchFirst) or
 * `ids` (int64), plus `sequence_lens` (int32 [B]); output `output`.
 *
 * @example
 * ```ts
 * const bytes = await exportOnnx(model);
 * // onnxruntime-node / onnxruntime-web:
 * const session = await ort.InferenceSession.create(bytes);
 * const { output } = await session.run({ input: new ort.Tensor('float32', x, [B, T, I]), sequence_lens: new ort.Tensor('int32', lengths, [B]) });
 * ```
 */
export async function exportOnnx(sequenceModel: SequenceModel, options: ExportOnnxOptions = {}): Promise<Uint8Array> {
  const config = sequenceModel.config;
  const opset = options.opsetVersion ?? 17;
  if (!Number.isInteger(opset) || opset < 14) throw new InteropError('onnx', 'invalid-argument', `opsetVersion must be an integer >= 14`, { actual: opset });
  const lbr0 = config.layers.find((l) => l.type === 'gru' && l.linearBeforeReset === false);
  if (lbr0) throw new InteropError('onnx', 'unsupported', `GRU layer '${lbr0.name}' has linearBeforeReset = false, which cellstate does not compute`);
  const signature = describeOnnxExport(config, options);
  const weights = await readParameters(sequenceModel);
  const g = new GraphBuilder();
  const first = config.layers[0]!;
  const ids = first.type === 'embedding';
  const inputName = signature.inputs[0]!.name;
  const lensInput = signature.inputs.find((i) => i.name === 'sequence_lens')?.name;

  const w = (name: string): HostTensor => {
    const t = weights.get(name);
    if (!t) throw new InteropError('onnx', 'invalid-argument', `the model has no parameter '${name}'`, { tensor: name });
    return t;
  };

  // What flows: a tensor name, whether it is a sequence, and its layout.
  let current = inputName;
  let timeMajor = !config.batchFirst;
  let isSequence = true;
  let rank = 3;
  let lengths: string | undefined = lensInput;

  const toTimeMajor = () => {
    if (!timeMajor) {
      [current] = g.node('Transpose', g.fresh('to_time_major'), [current], 1, [attrInts('perm', [1, 0, 2])]);
      timeMajor = true;
    }
  };

  for (const layer of config.layers) {
    switch (layer.type) {
      case 'embedding': {
        const table = g.init(floatTensor(`${layer.name}.weight`, w(`${layer.name}.weight`).shape, w(`${layer.name}.weight`).data));
        if (layer.maskZero) lengths = lengthsFromIds(g, current, config.batchFirst, opset);
        [current] = g.node('Gather', `/${layer.name}/Gather`, [table, current], 1, [attrInt('axis', 0)]);
        rank = 3;
        break;
      }
      case 'lstm':
      case 'gru': {
        toTimeMajor();
        const isGru = layer.type === 'gru';
        const op = isGru ? 'GRU' : 'LSTM';
        const G = isGru ? 3 : 4;
        const D = layer.bidirectional ? 2 : 1;
        const H = layer.hiddenSize;
        const L = layer.numLayers ?? 1;
        const bias = layer.bias ?? true;
        let yh = '';
        for (let l = 0; l < L; l++) {
          const inSize = l === 0 ? layer.inputSize : D * H;
          const dirs: PytorchLstmWeights[] = [];
          for (let d = 0; d < D; d++) {
            const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
            dirs.push({
              weightIh: w(`${layer.name}.weight_ih${suffix}`).data as Float32Array,
              weightHh: w(`${layer.name}.weight_hh${suffix}`).data as Float32Array,
              biasIh: bias ? (w(`${layer.name}.bias_ih${suffix}`).data as Float32Array) : new Float32Array(G * H),
              biasHh: bias ? (w(`${layer.name}.bias_hh${suffix}`).data as Float32Array) : new Float32Array(G * H),
            });
          }
          const onnx = isGru ? pytorchGruToOnnx(dirs, inSize, H) : pytorchToOnnx(dirs, inSize, H);
          const prefix = `${layer.name}.l${l}`;
          const W = g.init(floatTensor(`${prefix}.W`, [D, G * H, inSize], onnx.W));
          const R = g.init(floatTensor(`${prefix}.R`, [D, G * H, H], onnx.R));
          const B = bias ? g.init(floatTensor(`${prefix}.B`, [D, 2 * G * H], onnx.B)) : '';
          const nodeName = `/${layer.name}/${op}${l === 0 ? '' : `_${l}`}`;
          const inputs = [current, W, R, B, lengths ?? ''];
          while (inputs[inputs.length - 1] === '') inputs.pop();
          const attributes = [attrInt('hidden_size', H), attrString('direction', D === 2 ? 'bidirectional' : 'forward')];
          if (isGru) attributes.push(attrInt('linear_before_reset', 1));
          const [y, h] = g.node(op, nodeName, inputs, [`${nodeName}_Y`, `${nodeName}_Y_h`], attributes);
          // Y [T, D, B, H] -> [T, B, D*H]
          const [yt] = g.node('Transpose', `${nodeName}_Y_transpose`, [y!], 1, [attrInts('perm', [0, 2, 1, 3])]);
          [current] = g.node('Reshape', `${nodeName}_Y_reshape`, [yt!, g.int64([0, 0, -1], [3])], 1);
          yh = h!;
        }
        const output = layer.output ?? 'sequence';
        if (output === 'final') {
          // Y_h [D, B, H] -> [B, D*H]
          const [t] = g.node('Transpose', `/${layer.name}/final_transpose`, [yh], 1, [attrInts('perm', [1, 0, 2])]);
          [current] = g.node('Reshape', `/${layer.name}/final_reshape`, [t!, g.int64([0, -1], [2])], 1);
          isSequence = false;
          rank = 2;
        } else if (output === 'last-step') {
          [current] = g.node('Gather', `/${layer.name}/last_step`, [current, g.int64([-1], [])], 1, [attrInt('axis', 0)]);
          isSequence = false;
          rank = 2;
        }
        break;
      }
      case 'linear': {
        const weight = w(`${layer.name}.weight`);
        const bias = layer.bias ?? true ? w(`${layer.name}.bias`) : undefined;
        if (rank === 2) {
          const W = g.init(floatTensor(`${layer.name}.weight`, weight.shape, weight.data));
          const inputs = [current, W];
          if (bias) inputs.push(g.init(floatTensor(`${layer.name}.bias`, bias.shape, bias.data)));
          [current] = g.node('Gemm', `/${layer.name}/Gemm`, inputs, 1, [attrFloat('alpha', 1), attrFloat('beta', 1), attrInt('transB', 1)]);
        } else {
          const [out, inF] = weight.shape as [number, number];
          const wt = new Float32Array(out * inF);
          for (let o = 0; o < out; o++) for (let i = 0; i < inF; i++) wt[i * out + o] = weight.data[o * inF + i]!;
          const W = g.init(floatTensor(`${layer.name}.weight_transposed`, [inF, out], wt));
          [current] = g.node('MatMul', `/${layer.name}/MatMul`, [current, W], 1);
          if (bias) [current] = g.node('Add', `/${layer.name}/Add`, [current, g.init(floatTensor(`${layer.name}.bias`, bias.shape, bias.data))], 1);
        }
        break;
      }
      case 'activation': {
        const op = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', softmax: 'Softmax' }[layer.function];
        [current] = g.node(op, `/${layer.name}/${op}`, [current], 1, layer.function === 'softmax' ? [attrInt('axis', -1)] : []);
        break;
      }
      default:
        unreachable(layer as never);
    }
  }
  if (isSequence && timeMajor && config.batchFirst) {
    [current] = g.node('Transpose', g.fresh('to_batch_first'), [current], 1, [attrInts('perm', [1, 0, 2])]);
  }
  const outputName = signature.outputs[0]!.name;
  g.node('Identity', '/output/Identity', [current], [outputName]);

  const graphInputs = signature.inputs.map((i) => valueInfo(i.name, i.dtype === 'float32' ? DataType.FLOAT : i.dtype === 'int64' ? DataType.INT64 : DataType.INT32, i.shape));
  const model: ModelProto = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'cellstate',
    producer_version: options.producerVersion ?? '0.1.0',
    doc_string: 'Exported by @cellstate/interop',
    graph: {
      name: options.graphName ?? 'cellstate',
      node: g.nodes,
      initializer: g.initializers,
      input: graphInputs,
      output: signature.outputs.map((o) => valueInfo(o.name, DataType.FLOAT, o.shape)),
    },
    metadata_props: [{ key: 'cellstate.config', value: JSON.stringify(config) }],
  };
  return encodeOnnxModel(model);
}

/**
 * sequence_lens from ids whose padding (0) is at the end: max over t of (t + 1) * (id != 0),
 * as int32 [B].
 */
function lengthsFromIds(g: GraphBuilder, ids: string, batchFirst: boolean, opset: number): string {
  const timeAxis = batchFirst ? 1 : 0;
  const [isPad] = g.node('Equal', '/mask_zero/Equal', [ids, g.int64([0], [])], 1);
  const [notPad] = g.node('Not', '/mask_zero/Not', [isPad!], 1);
  const [asInt] = g.node('Cast', '/mask_zero/Cast', [notPad!], 1, [attrInt('to', DataType.INT64)]);
  const [shape] = g.node('Shape', '/mask_zero/Shape', [ids], 1);
  const [steps] = g.node('Gather', '/mask_zero/Steps', [shape!, g.int64([timeAxis], [])], 1, [attrInt('axis', 0)]);
  const [stepsPlusOne] = g.node('Add', '/mask_zero/StepsPlusOne', [steps!, g.int64([1], [])], 1);
  const [positions] = g.node('Range', '/mask_zero/Range', [g.int64([1], []), stepsPlusOne!, g.int64([1], [])], 1);
  const [column] = batchFirst ? [positions!] : g.node('Unsqueeze', '/mask_zero/Unsqueeze', [positions!, g.int64([1], [1])], 1);
  const [weighted] = g.node('Mul', '/mask_zero/Mul', [asInt!, column!], 1);
  // ReduceMax takes its axes as an attribute up to opset 17 and as an input from 18 on.
  const [maxed] =
    opset >= 18
      ? g.node('ReduceMax', '/mask_zero/ReduceMax', [weighted!, g.int64([timeAxis], [1])], 1, [attrInt('keepdims', 0)])
      : g.node('ReduceMax', '/mask_zero/ReduceMax', [weighted!], 1, [attrInts('axes', [timeAxis]), attrInt('keepdims', 0)]);
  const [lens] = g.node('Cast', '/mask_zero/Lengths', [maxed!], 1, [attrInt('to', DataType.INT32)]);
  return lens!;
}

function unreachable(layer: never): never {
  throw new InteropError('onnx', 'unsupported', `cannot export layer ${JSON.stringify(layer as LayerSpec)}`);
}
