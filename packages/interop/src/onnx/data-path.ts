import { attrInt, type Graph } from './graph.js';
import type { NodeProto } from './proto.js';

/** The role of one node on the model's data path. */
export type Step =
  | { kind: 'embedding'; node: NodeProto }
  | { kind: 'recurrent'; node: NodeProto; output: number }
  | { kind: 'linear'; node: NodeProto; add?: NodeProto }
  | { kind: 'activation'; node: NodeProto }
  | { kind: 'glue'; node: NodeProto }
  | { kind: 'states-concat'; node: NodeProto }
  | { kind: 'final-both'; node: NodeProto };

export const ACTIVATIONS: Record<string, 'relu' | 'tanh' | 'sigmoid' | 'softmax'> = { Relu: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid', Softmax: 'softmax' };

const GLUE = new Set(['Identity', 'Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Cast', 'Dropout', 'Flatten']);

const CONCAT_FORMS = 'a Concat is supported only as torch.cat([h[-2], h[-1]], 1) or as the h_n of stacked layers';

/** A node's role and the value the path continues from (towards the graph input). */
interface Found {
  step: Step;
  next: string;
}

/**
 * The nodes from a graph input to `output`, input first: the graph is walked from its
 * output back, so side branches (shape computations, unused outputs) are never visited.
 */
export function dataPath(g: Graph, output: string, opset: number): Step[] {
  const steps: Step[] = [];
  let value = output;
  for (let guard = 0; ; guard++) {
    if (guard > 10_000) g.fail(undefined, 'the graph is too deep or cyclic');
    if (g.inputs.has(value)) break;
    const p = g.producer.get(value);
    if (!p) g.fail(undefined, `value '${value}' is neither produced by a node nor a graph input`);
    const found = classify(g, p!.node, p!.index, opset);
    steps.push(found.step);
    value = found.next;
  }
  return steps.reverse();
}

function classify(g: Graph, node: NodeProto, index: number, opset: number): Found {
  const inputs = node.input ?? [];
  const op = node.op_type;
  if (node.domain && node.domain !== 'ai.onnx') g.fail(node, `operators of domain '${node.domain}' are not supported`);
  if (op === 'LSTM' || op === 'GRU') {
    if (index > 1) g.fail(node, `output ${index} (the cell state) cannot feed the model's output`);
    return { step: { kind: 'recurrent', node, output: index }, next: inputs[0]! };
  }
  if (op === 'Gemm') return { step: { kind: 'linear', node }, next: inputs[0]! };
  if (op === 'MatMul') {
    if (!g.constTensor(inputs[1])) g.fail(node, 'MatMul needs a constant weight as its second input');
    return { step: { kind: 'linear', node }, next: inputs[0]! };
  }
  if (op === 'Add') return matMulBias(g, node, inputs);
  if (op in ACTIVATIONS) {
    if (op === 'Softmax') {
      const axis = attrInt(node, 'axis', opset >= 13 ? -1 : 1);
      if (axis !== -1 && axis !== 2 && axis !== 1) g.fail(node, `softmax over axis ${axis} is not supported (last axis only)`);
    }
    return { step: { kind: 'activation', node }, next: inputs[0]! };
  }
  if (op === 'Gather') {
    const data = g.constTensor(inputs[0]);
    // A constant 2-D table gathered on axis 0 is an embedding; anything else selects a step or a layer.
    if (data && data.dims?.length === 2 && attrInt(node, 'axis', 0) === 0) return { step: { kind: 'embedding', node }, next: inputs[1]! };
    return { step: { kind: 'glue', node }, next: inputs[0]! };
  }
  if (op === 'Concat') return concat(g, node, inputs);
  if (GLUE.has(op)) return { step: { kind: 'glue', node }, next: inputs[0]! };
  return g.fail(node, `operator ${op} is not supported on the model's data path (supported: LSTM, GRU, Gemm, MatMul, Add, Gather, Relu, Tanh, Sigmoid, Softmax and shape glue)`);
}

/** An Add is a linear layer's bias: MatMul(x, W) + b with W and b constant. */
function matMulBias(g: Graph, node: NodeProto, inputs: string[]): Found {
  const constIdx = inputs.findIndex((i) => g.consts.has(i));
  const other = inputs[1 - constIdx];
  const mm = other ? g.producer.get(other)?.node : undefined;
  if (constIdx < 0 || !mm || mm.op_type !== 'MatMul' || !g.constTensor(mm.input?.[1])) g.fail(node, 'an Add is supported only as the bias of a MatMul with constant weights');
  return { step: { kind: 'linear', node: mm!, add: node }, next: mm!.input![0]! };
}

function concat(g: Graph, node: NodeProto, inputs: string[]): Found {
  const axis = attrInt(node, 'axis', 0);
  const producers = inputs.map((i) => g.producer.get(i));
  if (axis === 0 && producers.every((q) => q && (q.node.op_type === 'LSTM' || q.node.op_type === 'GRU') && q.index === 1)) {
    // h_n of stacked layers: Concat(Y_h of every layer) along the layer/direction axis.
    return { step: { kind: 'states-concat', node }, next: inputs[inputs.length - 1]! };
  }
  if ((axis === 1 || axis === -1) && inputs.length === 2 && producers.every((q) => q?.node.op_type === 'Gather')) {
    // torch.cat([h[-2], h[-1]], dim=1): both directions of the top layer.
    const [a, b] = producers.map((q) => q!.node);
    const same = a!.input![0] === b!.input![0];
    const ia = g.ints(a!, a!.input![1]!);
    const ib = g.ints(b!, b!.input![1]!);
    if (!same || attrInt(a!, 'axis', 0) !== 0 || attrInt(b!, 'axis', 0) !== 0 || ia.length !== 1 || ib.length !== 1 || ia[0] !== -2 || ib[0] !== -1) g.fail(node, CONCAT_FORMS);
    return { step: { kind: 'final-both', node }, next: a!.input![0]! };
  }
  return g.fail(node, CONCAT_FORMS);
}
