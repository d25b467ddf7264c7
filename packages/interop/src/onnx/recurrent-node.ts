/**
 * An ONNX `LSTM` or `GRU` node: its attributes checked against what cellstate's layers
 * compute, its W, R and B read and converted to PyTorch's layout and names
 * (ONNX LSTM gates i, o, f, c -> i, f, g, o; ONNX GRU gates z, r, h -> r, z, n).
 */
import { onnxGruToPytorch, onnxToPytorch } from '@cellstate/lstm';
import type { ImportCollector } from '../import-collector.js';
import { attr, attrInt, attrString, type Graph, type Weight } from './graph.js';
import type { NodeProto } from './proto.js';

export interface RecurrentNode {
  op: 'LSTM' | 'GRU';
  /** 4 for LSTM, 3 for GRU. */
  gates: number;
  hiddenSize: number;
  inputSize: number;
  directions: 1 | 2;
  W: Weight;
  R: Weight;
  B: Weight | undefined;
}

/** Reads the node, refusing what cellstate cannot compute; a `sequence_lens` input becomes a note. */
export function readRecurrentNode(g: Graph, node: NodeProto, notes: string[]): RecurrentNode {
  const inputs = node.input ?? [];
  const op = node.op_type as 'LSTM' | 'GRU';
  const gates = op === 'LSTM' ? 4 : 3;
  const H = attrInt(node, 'hidden_size', 0);
  const direction = attrString(node, 'direction', 'forward');
  refuseUnsupported(g, node, op, H, direction);
  if (inputs[4]) notes.push(`node '${node.name}' takes sequence_lens ('${inputs[4]}'): pass lengths to forward()`);
  const D = direction === 'bidirectional' ? 2 : 1;
  const W = g.weight(node, inputs[1], 'W');
  const I = W.shape[2] ?? 0;
  g.expectShape(node, W, [D, gates * H, I], 'W');
  const R = g.weight(node, inputs[2], 'R');
  g.expectShape(node, R, [D, gates * H, H], 'R');
  const B = inputs[3] ? g.weight(node, inputs[3], 'B') : undefined;
  if (B) g.expectShape(node, B, [D, 2 * gates * H], 'B');
  return { op, gates, hiddenSize: H, inputSize: I, directions: D, W, R, B };
}

function refuseUnsupported(g: Graph, node: NodeProto, op: 'LSTM' | 'GRU', H: number, direction: string): void {
  const inputs = node.input ?? [];
  if (!H) g.fail(node, 'missing hidden_size');
  if (direction === 'reverse') g.fail(node, "direction 'reverse' alone is not supported");
  if (attrInt(node, 'layout', 0) !== 0) g.fail(node, 'layout = 1 (batch-major) is not supported');
  if (attr(node, 'clip')) g.fail(node, 'cell clipping is not supported');
  if (attrInt(node, 'input_forget', 0) !== 0) g.fail(node, 'input_forget = 1 is not supported');
  const acts = attr(node, 'activations')?.strings?.map((b) => new TextDecoder().decode(b).toLowerCase());
  const defaults = op === 'LSTM' ? ['sigmoid', 'tanh', 'tanh'] : ['sigmoid', 'tanh'];
  if (acts && acts.some((a, i) => a !== defaults[i % defaults.length])) g.fail(node, `activations [${acts.join(', ')}] are not supported (only the defaults ${defaults.join(', ')})`);
  if (op === 'LSTM' && inputs[7]) g.fail(node, 'peephole weights (input P) are not supported');
  for (const k of op === 'LSTM' ? [5, 6] : [5]) if (inputs[k] && !g.isZeros(inputs[k]!)) g.fail(node, `a non-zero initial state ('${inputs[k]}') is not supported; pass the state at run time instead`);
}

/** Puts the node's weights as stacked layer `l` of the layer `name` (`<name>.weight_ih_l<l>[_reverse]`, ...). */
export function putRecurrentWeights(out: ImportCollector, name: string, l: number, r: RecurrentNode): void {
  const { gates, hiddenSize: H, inputSize: I, directions: D, W, R, B } = r;
  const dirs =
    r.op === 'LSTM'
      ? onnxToPytorch({ W: W.data as Float32Array, R: R.data as Float32Array, B: (B?.data as Float32Array) ?? new Float32Array(D * 8 * H) }, I, H, D)
      : onnxGruToPytorch({ W: W.data as Float32Array, R: R.data as Float32Array, ...(B ? { B: B.data as Float32Array } : {}) }, I, H, D);
  dirs.forEach((w, d) => {
    const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
    out.put(`${name}.weight_ih${suffix}`, { shape: [gates * H, I], data: w.weightIh }, W.origin);
    out.put(`${name}.weight_hh${suffix}`, { shape: [gates * H, H], data: w.weightHh }, R.origin);
    if (B) {
      out.put(`${name}.bias_ih${suffix}`, { shape: [gates * H], data: w.biasIh }, B.origin);
      out.put(`${name}.bias_hh${suffix}`, { shape: [gates * H], data: w.biasHh }, B.origin);
    }
  });
}
