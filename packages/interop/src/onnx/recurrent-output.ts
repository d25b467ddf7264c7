/**
 * Which output of a recurrent layer the rest of the model uses (`sequence`, `final`
 * or `last-step`), recognised from the glue the exporter writes after the LSTM / GRU
 * node: the axes are followed through Transpose, Squeeze, Unsqueeze and Reshape so
 * that a Gather of the last step can be told from one of a layer or a direction.
 */
import type { GruSpec, LstmSpec, RecurrentOutput } from '../config.js';
import { attrInt, attrInts, type Graph } from './graph.js';
import type { NodeProto } from './proto.js';

/** The value flowing from the last recurrent layer towards the next layer. */
export interface OpenRecurrent {
  spec: LstmSpec | GruSpec;
  /** The node output it comes from: 0 (Y, the sequence) or 1 (Y_h, the final state). */
  out: number;
  timeAxis: number;
  rank: number;
  mode: RecurrentOutput | 'both' | 'states';
  lastNode: NodeProto;
}

/** Follows one glue step (or an h_n concat, or the cat of both directions) on a recurrent output. */
export function followGlue(g: Graph, rec: OpenRecurrent, kind: 'glue' | 'states-concat' | 'final-both', node: NodeProto): void {
  if (kind === 'states-concat') {
    rec.mode = 'states';
    return;
  }
  if (kind === 'final-both') {
    if (rec.out !== 1 || !rec.spec.bidirectional) g.fail(node, 'torch.cat([h[-2], h[-1]], 1) is supported on the final state of a bidirectional layer');
    rec.mode = 'both';
    rec.rank = 2;
    return;
  }
  if (rec.out === 0) followSequence(g, rec, node);
  else followFinalState(g, rec, node);
}

/** Y [T, D, B, H]: tracks where the time axis is, so a Gather of the last step is recognised. */
function followSequence(g: Graph, rec: OpenRecurrent, node: NodeProto): void {
  const inputs = node.input ?? [];
  const op = node.op_type;
  if (op === 'Transpose') rec.timeAxis = attrInts(node, 'perm')!.indexOf(rec.timeAxis);
  else if (op === 'Squeeze') {
    const axes = inputs[1] ? g.ints(node, inputs[1]) : attrInts(node, 'axes') ?? [];
    const norm = axes.map((a) => (a < 0 ? a + rec.rank : a));
    if (norm.includes(rec.timeAxis)) g.fail(node, 'squeezing the time axis is not supported');
    rec.timeAxis -= norm.filter((a) => a < rec.timeAxis).length;
    rec.rank -= norm.length;
  } else if (op === 'Unsqueeze') {
    const axes = inputs[1] ? g.ints(node, inputs[1]) : attrInts(node, 'axes') ?? [];
    rec.rank += axes.length;
    for (const a of axes.map((x) => (x < 0 ? x + rec.rank : x)).sort()) if (a <= rec.timeAxis) rec.timeAxis++;
  } else if (op === 'Reshape') {
    if (rec.timeAxis > 1) g.fail(node, 'a Reshape after the time axis moved past position 1 is not supported');
    const shape = g.constTensor(inputs[1]) ? g.ints(node, inputs[1]!) : undefined;
    rec.rank = shape ? shape.length : rec.rank;
  } else if (op === 'Gather') {
    const axis = attrInt(node, 'axis', 0);
    const idx = g.ints(node, inputs[1]!);
    const a = axis < 0 ? axis + rec.rank : axis;
    if (a !== rec.timeAxis || idx.length !== 1 || idx[0] !== -1 || rec.mode === 'last-step') g.fail(node, 'only selecting the last step (out[:, -1]) of a recurrent output is supported');
    rec.mode = 'last-step';
    rec.rank -= 1;
    rec.timeAxis = -1;
  } else if (op === 'Flatten') g.fail(node, 'flattening a recurrent sequence output is not supported');
}

/** Y_h [D, B, H] (or h_n of all layers after a states-concat): only h_n[-1] may be selected. */
function followFinalState(g: Graph, rec: OpenRecurrent, node: NodeProto): void {
  if (node.op_type !== 'Gather') return;
  const inputs = node.input ?? [];
  const axis = attrInt(node, 'axis', 0);
  const idx = g.ints(node, inputs[1]!);
  if (axis !== 0 || idx.length !== 1 || idx[0] !== -1) g.fail(node, 'only h_n[-1] (the top layer) is supported when selecting from a final state');
  rec.mode = 'last-step'; // marks "one direction selected" (checked in outputMode)
}

/** The output mode the glue after the layer amounts to, or an `unsupported` error for one cellstate cannot compute. */
export function outputMode(g: Graph, rec: OpenRecurrent): RecurrentOutput {
  const D = rec.spec.bidirectional ? 2 : 1;
  if (rec.out === 0) return rec.mode === 'last-step' ? 'last-step' : 'sequence';
  if (rec.mode === 'both') return 'final';
  if (rec.mode === 'states' && (rec.spec.numLayers ?? 1) > 1) return g.fail(rec.lastNode, 'the final states of all stacked layers feed the next layer; only the top layer (h_n[-1]) is supported');
  if (D === 2 && rec.mode === 'last-step') g.fail(rec.lastNode, 'selecting one direction of a bidirectional final state is not supported (use torch.cat([h[-2], h[-1]], 1))');
  return 'final';
}
