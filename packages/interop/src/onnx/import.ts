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
import { onnxGruToPytorch, onnxToPytorch } from '@cellstate/lstm';
import { checkConfigAgainstWeights, validateConfig, MODEL_CONFIG_FORMAT, type GruSpec, type LayerSpec, type LstmSpec, type ModelConfig, type RecurrentOutput } from '../config.js';
import { InteropError } from '../errors.js';
import { SequenceModel, type SequenceModelOptions } from '../model.js';
import { applyWeights, type HostTensor, type LoadReport } from '../weights.js';
import { decodeOnnxModel, type AttributeProto, type NodeProto, type TensorProto } from './proto.js';
import { hostTensor, intValues } from './tensors.js';

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

const GLUE = new Set(['Identity', 'Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Cast', 'Dropout', 'Flatten']);
const ACTIVATIONS: Record<string, 'relu' | 'tanh' | 'sigmoid' | 'softmax'> = { Relu: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid', Softmax: 'softmax' };

type Step =
  | { kind: 'embedding'; node: NodeProto }
  | { kind: 'recurrent'; node: NodeProto; output: number }
  | { kind: 'linear'; node: NodeProto; add?: NodeProto }
  | { kind: 'activation'; node: NodeProto }
  | { kind: 'glue'; node: NodeProto }
  | { kind: 'states-concat'; node: NodeProto }
  | { kind: 'final-both'; node: NodeProto };

class Graph {
  readonly consts = new Map<string, TensorProto>();
  readonly producer = new Map<string, { node: NodeProto; index: number }>();
  readonly inputs = new Set<string>();
  readonly consumers = new Map<string, NodeProto[]>();

  constructor(
    readonly nodes: NodeProto[],
    initializers: TensorProto[],
    inputs: string[],
    readonly source: string | undefined,
  ) {
    for (const t of initializers) this.consts.set(t.name!, t);
    for (const name of inputs) if (!this.consts.has(name)) this.inputs.add(name);
    for (const node of nodes) {
      if (node.op_type === 'Constant') {
        const t = constantValue(node);
        if (t) this.consts.set(node.output![0]!, t);
        continue;
      }
      node.output?.forEach((o, index) => this.producer.set(o, { node, index }));
      for (const i of node.input ?? []) {
        if (!i) continue;
        // Appending in place: copying the list per consumer made a fan-out of n nodes cost n².
        const list = this.consumers.get(i);
        if (list) list.push(node);
        else this.consumers.set(i, [node]);
      }
    }
  }

  fail(node: NodeProto | undefined, detail: string, extra: { tensor?: string; expected?: unknown; actual?: unknown } = {}): never {
    const where = node ? `node '${node.name || '(unnamed)'}' (${node.op_type}): ` : '';
    throw new InteropError('onnx', 'unsupported', `${where}${detail}`, { ...extra, ...(this.source !== undefined ? { source: this.source } : {}) });
  }

  constTensor(name: string | undefined): TensorProto | undefined {
    return name ? this.consts.get(name) : undefined;
  }

  ints(node: NodeProto, name: string): number[] {
    const t = this.constTensor(name);
    if (!t) this.fail(node, `input '${name}' must be a constant`);
    return intValues(t!);
  }
}

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}
function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a?.i !== undefined ? Number(a.i) : fallback;
}
function attrFloat(node: NodeProto, name: string, fallback: number): number {
  return attr(node, name)?.f ?? fallback;
}
function attrString(node: NodeProto, name: string, fallback: string): string {
  const a = attr(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : fallback;
}
function attrInts(node: NodeProto, name: string): number[] | undefined {
  return attr(node, name)?.ints?.map(Number);
}

function constantValue(node: NodeProto): TensorProto | undefined {
  for (const a of node.attribute ?? []) {
    if (a.name === 'value' && a.t) return a.t;
    if (a.name === 'value_int') return { dims: [], data_type: 7, int64_data: [Number(a.i ?? 0)] };
    if (a.name === 'value_ints') return { dims: [a.ints?.length ?? 0], data_type: 7, int64_data: (a.ints ?? []).map(Number) };
    if (a.name === 'value_float') return { dims: [], data_type: 1, float_data: [a.f ?? 0] };
    if (a.name === 'value_floats') return { dims: [a.floats?.length ?? 0], data_type: 1, float_data: a.floats ?? [] };
  }
  return undefined;
}

/** `/encoder/lstm/LSTM_1` -> `encoder_lstm`; a fallback when the node has no scope. */
function scopeName(node: NodeProto, fallback: string): string {
  const parts = (node.name ?? '').split('/').filter(Boolean);
  parts.pop();
  const name = parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
  if (!name) return fallback;
  return /^[A-Za-z_]/.test(name) ? name : `_${name}`;
}

/** Reads an ONNX model into a config and PyTorch-layout weights (no backend needed). */
export function readOnnx(bytes: Uint8Array, options: ReadOnnxOptions = {}): OnnxFile {
  const source = options.source;
  const proto = decodeOnnxModel(bytes, source);
  const graphProto = proto.graph;
  if (!graphProto || !graphProto.output?.length) throw new InteropError('onnx', 'invalid-file', 'the model has no graph or no outputs', source !== undefined ? { source } : {});
  const opset = Number(proto.opset_import?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  const g = new Graph(graphProto.node ?? [], graphProto.initializer ?? [], (graphProto.input ?? []).map((i) => i.name), source);
  const notes: string[] = [];
  if (graphProto.output.length > 1) notes.push(`the graph has ${graphProto.output.length} outputs; only '${graphProto.output[0]!.name}' is imported`);

  // 1. Walk from the output back to a graph input.
  const steps: Step[] = [];
  let value = graphProto.output[0]!.name;
  for (let guard = 0; ; guard++) {
    if (guard > 10_000) g.fail(undefined, 'the graph is too deep or cyclic');
    if (g.inputs.has(value)) break;
    const p = g.producer.get(value);
    if (!p) g.fail(undefined, `value '${value}' is neither produced by a node nor a graph input`);
    const { node, index } = p!;
    const inputs = node.input ?? [];
    const op = node.op_type;
    if (node.domain && node.domain !== 'ai.onnx') g.fail(node, `operators of domain '${node.domain}' are not supported`);
    if (op === 'LSTM' || op === 'GRU') {
      if (index > 1) g.fail(node, `output ${index} (the cell state) cannot feed the model's output`);
      steps.push({ kind: 'recurrent', node, output: index });
      value = inputs[0]!;
    } else if (op === 'Gemm') {
      steps.push({ kind: 'linear', node });
      value = inputs[0]!;
    } else if (op === 'MatMul') {
      if (!g.constTensor(inputs[1])) g.fail(node, 'MatMul needs a constant weight as its second input');
      steps.push({ kind: 'linear', node });
      value = inputs[0]!;
    } else if (op === 'Add') {
      const constIdx = inputs.findIndex((i) => g.consts.has(i));
      const other = inputs[1 - constIdx];
      const mm = other ? g.producer.get(other)?.node : undefined;
      if (constIdx < 0 || !mm || mm.op_type !== 'MatMul' || !g.constTensor(mm.input?.[1])) g.fail(node, 'an Add is supported only as the bias of a MatMul with constant weights');
      steps.push({ kind: 'linear', node: mm!, add: node });
      value = mm!.input![0]!;
    } else if (op in ACTIVATIONS) {
      if (op === 'Softmax') {
        const axis = attrInt(node, 'axis', opset >= 13 ? -1 : 1);
        if (axis !== -1 && axis !== 2 && axis !== 1) g.fail(node, `softmax over axis ${axis} is not supported (last axis only)`);
      }
      steps.push({ kind: 'activation', node });
      value = inputs[0]!;
    } else if (op === 'Gather') {
      const data = g.constTensor(inputs[0]);
      if (data && data.dims?.length === 2 && attrInt(node, 'axis', 0) === 0) {
        steps.push({ kind: 'embedding', node });
        value = inputs[1]!;
      } else {
        steps.push({ kind: 'glue', node });
        value = inputs[0]!;
      }
    } else if (op === 'Concat') {
      const axis = attrInt(node, 'axis', 0);
      const producers = inputs.map((i) => g.producer.get(i));
      if (axis === 0 && producers.every((q) => q && (q.node.op_type === 'LSTM' || q.node.op_type === 'GRU') && q.index === 1)) {
        // h_n of stacked layers: Concat(Y_h of every layer) along the layer/direction axis.
        steps.push({ kind: 'states-concat', node });
        value = inputs[inputs.length - 1]!;
      } else if ((axis === 1 || axis === -1) && inputs.length === 2 && producers.every((q) => q?.node.op_type === 'Gather')) {
        // torch.cat([h[-2], h[-1]], dim=1): both directions of the top layer.
        const [a, b] = producers.map((q) => q!.node);
        const same = a!.input![0] === b!.input![0];
        const ia = g.ints(a!, a!.input![1]!);
        const ib = g.ints(b!, b!.input![1]!);
        if (!same || attrInt(a!, 'axis', 0) !== 0 || attrInt(b!, 'axis', 0) !== 0 || ia.length !== 1 || ib.length !== 1 || ia[0] !== -2 || ib[0] !== -1) {
          g.fail(node, 'a Concat is supported only as torch.cat([h[-2], h[-1]], 1) or as the h_n of stacked layers');
        }
        steps.push({ kind: 'final-both', node });
        value = a!.input![0]!;
      } else {
        g.fail(node, 'a Concat is supported only as torch.cat([h[-2], h[-1]], 1) or as the h_n of stacked layers');
      }
    } else if (GLUE.has(op)) {
      steps.push({ kind: 'glue', node });
      value = inputs[0]!;
    } else {
      g.fail(node, `operator ${op} is not supported on the model's data path (supported: LSTM, GRU, Gemm, MatMul, Add, Gather, Relu, Tanh, Sigmoid, Softmax and shape glue)`);
    }
  }
  steps.reverse();

  // 2. Forward replay: layers, their output modes, batch-first.
  const layers: LayerSpec[] = [];
  const tensors = new Map<string, HostTensor>();
  const origins = new Map<string, string>();
  const used = new Set<string>();
  // Next suffix to try per base name: probing from _1 each time made n equal scopes cost n².
  const nextSuffix = new Map<string, number>();
  const uniqueName = (base: string) => {
    let name = base;
    let k = nextSuffix.get(base) ?? 1;
    if (used.has(name)) {
      do name = `${base}_${k++}`;
      while (used.has(name));
    }
    nextSuffix.set(base, k);
    used.add(name);
    return name;
  };
  const put = (name: string, t: HostTensor, origin: string) => {
    tensors.set(name, t);
    origins.set(name, origin);
  };
  const weight = (node: NodeProto, inputName: string | undefined, label: string): HostTensor & { origin: string } => {
    const t = g.constTensor(inputName);
    if (!t) g.fail(node, `${label} ('${inputName ?? ''}') must be a constant initializer`);
    return { ...hostTensor(t!, source), origin: inputName! };
  };
  const expectShape = (node: NodeProto, t: HostTensor & { origin: string }, expected: number[], label: string) => {
    if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      throw new InteropError('onnx', 'shape-mismatch', `tensor '${t.origin}' (${label} of node '${node.name}') has the wrong shape`, { tensor: t.origin, expected, actual: t.shape, ...(source !== undefined ? { source } : {}) });
    }
  };

  let batchFirst: boolean | undefined;
  let sawTranspose = false;
  let sawRecurrent = false;
  // State of the value flowing from the last recurrent layer to the next layer.
  let rec: { spec: LstmSpec | GruSpec; out: number; timeAxis: number; rank: number; mode: RecurrentOutput | 'both' | 'states'; lastNode: NodeProto } | undefined;
  let width: number | undefined;

  const closeRecurrent = () => {
    if (!rec) return;
    const D = rec.spec.bidirectional ? 2 : 1;
    let mode: RecurrentOutput;
    if (rec.out === 0) mode = rec.mode === 'last-step' ? 'last-step' : 'sequence';
    else if (rec.mode === 'both') mode = 'final';
    else if (rec.mode === 'states' && (rec.spec.numLayers ?? 1) > 1) mode = g.fail(rec.lastNode, 'the final states of all stacked layers feed the next layer; only the top layer (h_n[-1]) is supported');
    else {
      if (D === 2 && rec.mode === 'last-step') g.fail(rec.lastNode, 'selecting one direction of a bidirectional final state is not supported (use torch.cat([h[-2], h[-1]], 1))');
      mode = 'final';
    }
    rec.spec.output = mode;
    rec = undefined;
  };

  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!;
    const node = step.node;
    const inputs = node.input ?? [];
    switch (step.kind) {
      case 'embedding': {
        const name = uniqueName(scopeName(node, `embedding_${layers.length}`));
        const w = weight(node, inputs[0], 'embedding table');
        layers.push({ type: 'embedding', name, numEmbeddings: w.shape[0]!, embeddingDim: w.shape[1]! });
        put(`${name}.weight`, w, w.origin);
        width = w.shape[1];
        break;
      }
      case 'glue':
      case 'states-concat':
      case 'final-both': {
        if (step.kind === 'glue' && node.op_type === 'Transpose' && !rec && !sawRecurrent) {
          const perm = attrInts(node, 'perm');
          if (perm?.join() === '1,0,2') sawTranspose = !sawTranspose;
          else g.fail(node, `a Transpose with perm [${perm?.join(', ') ?? ''}] before the first recurrent layer is not supported`);
        }
        if (!rec) {
          if (step.kind === 'glue' && node.op_type === 'Gather') g.fail(node, 'a Gather that selects a step is supported only on the output of a recurrent layer');
          break;
        }
        if (step.kind === 'states-concat') {
          rec.mode = 'states';
          break;
        }
        if (step.kind === 'final-both') {
          if (rec.out !== 1 || !rec.spec.bidirectional) g.fail(node, 'torch.cat([h[-2], h[-1]], 1) is supported on the final state of a bidirectional layer');
          rec.mode = 'both';
          rec.rank = 2;
          break;
        }
        const op = node.op_type;
        if (rec.out === 0) {
          if (op === 'Transpose') rec.timeAxis = attrInts(node, 'perm')!.indexOf(rec.timeAxis);
          else if (op === 'Squeeze') {
            const axes = inputs[1] ? g.ints(node, inputs[1]) : attrInts(node, 'axes') ?? [];
            const norm = axes.map((a) => (a < 0 ? a + rec!.rank : a));
            if (norm.includes(rec.timeAxis)) g.fail(node, 'squeezing the time axis is not supported');
            rec.timeAxis -= norm.filter((a) => a < rec!.timeAxis).length;
            rec.rank -= norm.length;
          } else if (op === 'Unsqueeze') {
            const axes = inputs[1] ? g.ints(node, inputs[1]) : attrInts(node, 'axes') ?? [];
            rec.rank += axes.length;
            for (const a of axes.map((x) => (x < 0 ? x + rec!.rank : x)).sort()) if (a <= rec.timeAxis) rec.timeAxis++;
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
        } else {
          // Final state Y_h [D, B, H] (or h_n of all layers after a states-concat).
          if (op === 'Gather') {
            const axis = attrInt(node, 'axis', 0);
            const idx = g.ints(node, inputs[1]!);
            if (axis !== 0 || idx.length !== 1 || idx[0] !== -1) g.fail(node, 'only h_n[-1] (the top layer) is supported when selecting from a final state');
            rec.mode = 'last-step'; // marks "one direction selected" (checked in closeRecurrent)
          }
        }
        break;
      }
      case 'recurrent': {
        sawRecurrent = true;
        const op = node.op_type as 'LSTM' | 'GRU';
        const gates = op === 'LSTM' ? 4 : 3;
        const H = attrInt(node, 'hidden_size', 0);
        const direction = attrString(node, 'direction', 'forward');
        if (!H) g.fail(node, 'missing hidden_size');
        if (direction === 'reverse') g.fail(node, "direction 'reverse' alone is not supported");
        if (attrInt(node, 'layout', 0) !== 0) g.fail(node, 'layout = 1 (batch-major) is not supported');
        if (attr(node, 'clip')) g.fail(node, 'cell clipping is not supported');
        if (attrInt(node, 'input_forget', 0) !== 0) g.fail(node, 'input_forget = 1 is not supported');
        const acts = attr(node, 'activations')?.strings?.map((b) => new TextDecoder().decode(b).toLowerCase());
        const defaults = op === 'LSTM' ? ['sigmoid', 'tanh', 'tanh'] : ['sigmoid', 'tanh'];
        if (acts && acts.some((a, i) => a !== defaults[i % defaults.length])) g.fail(node, `activations [${acts.join(', ')}] are not supported (only the defaults ${defaults.join(', ')})`);
        if (op === 'LSTM' && inputs[7]) g.fail(node, 'peephole weights (input P) are not supported');
        for (const k of op === 'LSTM' ? [5, 6] : [5]) if (inputs[k] && !isZeros(g, inputs[k]!)) g.fail(node, `a non-zero initial state ('${inputs[k]}') is not supported; pass the state at run time instead`);
        if (inputs[4]) notes.push(`node '${node.name}' takes sequence_lens ('${inputs[4]}'): pass lengths to forward()`);
        const D = direction === 'bidirectional' ? 2 : 1;
        const W = weight(node, inputs[1], 'W');
        const I = W.shape[2] ?? 0;
        expectShape(node, W, [D, gates * H, I], 'W');
        const R = weight(node, inputs[2], 'R');
        expectShape(node, R, [D, gates * H, H], 'R');
        const B = inputs[3] ? weight(node, inputs[3], 'B') : undefined;
        if (B) expectShape(node, B, [D, 2 * gates * H], 'B');
        if (batchFirst === undefined) batchFirst = sawTranspose;
        if (width !== undefined && width !== I) {
          throw new InteropError('onnx', 'shape-mismatch', `tensor '${W.origin}' (W of node '${node.name}') expects inputs of size ${I}, the previous layer gives ${width}`, { tensor: W.origin, expected: [D, gates * H, width], actual: W.shape, ...(source !== undefined ? { source } : {}) });
        }
        // Stacked layer of the previous recurrent node?
        const scope = scopeName(node, `${op.toLowerCase()}_${layers.length}`);
        const prev = layers[layers.length - 1];
        let spec: LstmSpec | GruSpec;
        let l: number;
        const stackable = rec && rec.out === 0 && rec.mode === 'sequence' && prev && prev.type === op.toLowerCase() && scopeName(rec.lastNode, '') === scope && (prev as LstmSpec).hiddenSize === H && ((prev as LstmSpec).bidirectional ? 2 : 1) === D && ((prev as LstmSpec).bias ?? true) === !!B;
        if (stackable) {
          spec = prev as LstmSpec | GruSpec;
          l = spec.numLayers ?? 1;
          spec.numLayers = l + 1;
        } else {
          closeRecurrent();
          const name = uniqueName(scope);
          spec = op === 'LSTM' ? { type: 'lstm', name, inputSize: I, hiddenSize: H, numLayers: 1, bidirectional: D === 2, bias: !!B } : { type: 'gru', name, inputSize: I, hiddenSize: H, numLayers: 1, bidirectional: D === 2, bias: !!B };
          if (op === 'GRU') {
            const lbr = attrInt(node, 'linear_before_reset', 0);
            if (lbr !== 1) notes.push(`GRU node '${node.name}' has linear_before_reset = 0, which PyTorch's nn.GRU and cellstate's GRU cannot express (they compute linear_before_reset = 1); importOnnx refuses it`);
            (spec as GruSpec).linearBeforeReset = lbr === 1;
          }
          layers.push(spec);
          l = 0;
        }
        const name = spec.name;
        const dirs = op === 'LSTM' ? onnxToPytorch({ W: W.data as Float32Array, R: R.data as Float32Array, B: (B?.data as Float32Array) ?? new Float32Array(D * 8 * H) }, I, H, D as 1 | 2) : onnxGruToPytorch({ W: W.data as Float32Array, R: R.data as Float32Array, ...(B ? { B: B.data as Float32Array } : {}) }, I, H, D as 1 | 2);
        dirs.forEach((w, d) => {
          const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
          put(`${name}.weight_ih${suffix}`, { shape: [gates * H, I], data: w.weightIh }, W.origin);
          put(`${name}.weight_hh${suffix}`, { shape: [gates * H, H], data: w.weightHh }, R.origin);
          if (B) {
            put(`${name}.bias_ih${suffix}`, { shape: [gates * H], data: w.biasIh }, B.origin);
            put(`${name}.bias_hh${suffix}`, { shape: [gates * H], data: w.biasHh }, B.origin);
          }
        });
        rec = { spec, out: step.output, timeAxis: 0, rank: step.output === 0 ? 4 : 3, mode: 'sequence', lastNode: node };
        width = D * H;
        break;
      }
      case 'linear': {
        closeRecurrent();
        const name = uniqueName(scopeName(node, `linear_${layers.length}`));
        let weightT: HostTensor & { origin: string };
        let bias: (HostTensor & { origin: string }) | undefined;
        let scale = 1;
        let biasScale = 1;
        if (node.op_type === 'Gemm') {
          if (attrInt(node, 'transA', 0) !== 0) g.fail(node, 'transA = 1 is not supported');
          const w = weight(node, inputs[1], 'B');
          weightT = attrInt(node, 'transB', 0) === 1 ? w : { ...transpose2d(w), origin: w.origin };
          bias = inputs[2] ? weight(node, inputs[2], 'C') : undefined;
          scale = attrFloat(node, 'alpha', 1);
          biasScale = attrFloat(node, 'beta', 1);
        } else {
          const w = weight(node, inputs[1], 'B');
          if (w.shape.length !== 2) g.fail(node, `MatMul weight must be 2-D, got [${w.shape.join(', ')}]`);
          weightT = { ...transpose2d(w), origin: w.origin };
          if (step.add) {
            const bName = step.add.input!.find((i) => g.consts.has(i));
            bias = weight(step.add, bName, 'bias');
          }
        }
        const [out, inF] = weightT.shape as [number, number];
        if (width !== undefined && inF !== width) {
          throw new InteropError('onnx', 'shape-mismatch', `tensor '${weightT.origin}' (weight of node '${node.name}') expects ${inF} input features, the previous layer gives ${width}`, { tensor: weightT.origin, expected: [out, width], actual: [out, inF], ...(source !== undefined ? { source } : {}) });
        }
        if (bias) {
          const size = bias.data.length;
          if (size !== out) throw new InteropError('onnx', 'shape-mismatch', `tensor '${bias.origin}' (bias of node '${node.name}') has the wrong shape`, { tensor: bias.origin, expected: [out], actual: bias.shape, ...(source !== undefined ? { source } : {}) });
        }
        layers.push({ type: 'linear', name, inFeatures: inF, outFeatures: out, bias: !!bias });
        put(`${name}.weight`, { shape: [out, inF], data: scale === 1 ? weightT.data : Float32Array.from(weightT.data, (v) => v * scale) }, weightT.origin);
        if (bias) put(`${name}.bias`, { shape: [out], data: biasScale === 1 ? Float32Array.from(bias.data) : Float32Array.from(bias.data, (v) => v * biasScale) }, bias.origin);
        width = out;
        break;
      }
      case 'activation': {
        closeRecurrent();
        layers.push({ type: 'activation', name: uniqueName(scopeName(node, `activation_${layers.length}`) + `_${ACTIVATIONS[node.op_type]}`), function: ACTIVATIONS[node.op_type]! });
        break;
      }
    }
  }
  closeRecurrent();
  if (layers.length === 0) throw new InteropError('onnx', 'unsupported', 'the graph has no layer cellstate can import (LSTM, GRU, Gemm, MatMul, Gather)', source !== undefined ? { source } : {});
  const config = validateConfig({ format: MODEL_CONFIG_FORMAT, version: 1, batchFirst: batchFirst ?? true, layers }, 'onnx', source);
  return { config, tensors, origins, notes, opset, producer: `${proto.producer_name ?? ''} ${proto.producer_version ?? ''}`.trim() };
}

function isZeros(g: Graph, value: string, depth = 0): boolean {
  if (depth > 20) return false;
  const c = g.constTensor(value);
  if (c) return Array.from(hostTensor(c).data).every((v) => v === 0);
  const p = g.producer.get(value);
  if (!p) return false;
  const { node } = p;
  if (node.op_type === 'ConstantOfShape') {
    const v = attr(node, 'value')?.t;
    return !v || Array.from(hostTensor(v).data).every((x) => x === 0);
  }
  if (['Slice', 'Expand', 'Reshape', 'Unsqueeze', 'Squeeze', 'Identity', 'Cast', 'Transpose', 'Tile'].includes(node.op_type)) return isZeros(g, node.input![0]!, depth + 1);
  return false;
}

function transpose2d(t: HostTensor): HostTensor {
  const [r, c] = t.shape as [number, number];
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j]!;
  return { shape: [c, r], data: out };
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
  checkConfigAgainstWeights(file.config, file.tensors, 'onnx', options.source);
  const model = new SequenceModel(file.config, options.seed !== undefined ? { seed: options.seed } : {});
  try {
    applyWeights(model, file.tensors, { format: 'onnx', fileName: (n) => file.origins.get(n), ...(options.source !== undefined ? { source: options.source } : {}), ...(options.allowNonFinite ? { allowNonFinite: true } : {}) });
  } catch (e) {
    model.dispose();
    throw e;
  }
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
  return applyWeights(model, file.tensors, { format: 'onnx', strict: options.strict ?? true, fileName: (n) => file.origins.get(n), ...(options.source !== undefined ? { source: options.source } : {}), ...(options.allowNonFinite ? { allowNonFinite: true } : {}) });
}
