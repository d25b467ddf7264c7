/**
 * A linear layer as PyTorch's exporter writes it: `Gemm` (one vector per sample) or
 * `MatMul` + `Add` (every step), read into `nn.Linear`'s weight [out, in] and bias.
 */
import { InteropError } from '../errors.js';
import type { HostTensor } from '../weights.js';
import { attrFloat, attrInt, type Graph, type Weight } from './graph.js';
import type { NodeProto } from './proto.js';

export interface LinearNode {
  inFeatures: number;
  outFeatures: number;
  /** [out, in], Gemm's alpha applied. */
  weight: HostTensor;
  weightOrigin: string;
  /** [out], Gemm's beta applied. */
  bias?: HostTensor;
  biasOrigin?: string;
}

/** Reads a Gemm, or a MatMul with the Add of its bias, whose input has `width` features when known. */
export function readLinearNode(g: Graph, node: NodeProto, add: NodeProto | undefined, width: number | undefined): LinearNode {
  const inputs = node.input ?? [];
  let weightT: Weight;
  let bias: Weight | undefined;
  let scale = 1;
  let biasScale = 1;
  if (node.op_type === 'Gemm') {
    if (attrInt(node, 'transA', 0) !== 0) g.fail(node, 'transA = 1 is not supported');
    const w = g.weight(node, inputs[1], 'B');
    weightT = attrInt(node, 'transB', 0) === 1 ? w : { ...transpose2d(w), origin: w.origin };
    bias = inputs[2] ? g.weight(node, inputs[2], 'C') : undefined;
    scale = attrFloat(node, 'alpha', 1);
    biasScale = attrFloat(node, 'beta', 1);
  } else {
    const w = g.weight(node, inputs[1], 'B');
    if (w.shape.length !== 2) g.fail(node, `MatMul weight must be 2-D, got [${w.shape.join(', ')}]`);
    weightT = { ...transpose2d(w), origin: w.origin };
    if (add) {
      const bName = add.input!.find((i) => g.consts.has(i));
      bias = g.weight(add, bName, 'bias');
    }
  }
  const [out, inF] = weightT.shape as [number, number];
  if (width !== undefined && inF !== width) {
    throw new InteropError('onnx', 'shape-mismatch', `tensor '${weightT.origin}' (weight of node '${node.name}') expects ${inF} input features, the previous layer gives ${width}`, { tensor: weightT.origin, expected: [out, width], actual: [out, inF], ...g.src });
  }
  if (bias && bias.data.length !== out) {
    throw new InteropError('onnx', 'shape-mismatch', `tensor '${bias.origin}' (bias of node '${node.name}') has the wrong shape`, { tensor: bias.origin, expected: [out], actual: bias.shape, ...g.src });
  }
  return {
    inFeatures: inF,
    outFeatures: out,
    weight: { shape: [out, inF], data: scale === 1 ? weightT.data : Float32Array.from(weightT.data, (v) => v * scale) },
    weightOrigin: weightT.origin,
    ...(bias ? { bias: { shape: [out], data: biasScale === 1 ? Float32Array.from(bias.data) : Float32Array.from(bias.data, (v) => v * biasScale) }, biasOrigin: bias.origin } : {}),
  };
}

function transpose2d(t: HostTensor): HostTensor {
  const [r, c] = t.shape as [number, number];
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j]!;
  return { shape: [c, r], data: out };
}
