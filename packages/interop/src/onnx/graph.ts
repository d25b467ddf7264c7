import { InteropError } from '../errors.js';
import type { HostTensor } from '../weights.js';
import type { AttributeProto, NodeProto, TensorProto } from './proto.js';
import { hostTensor, intValues } from './tensors.js';

/** A constant tensor on the host with the initializer it came from (for messages). */
export type Weight = HostTensor & { origin: string };

/** An ONNX graph indexed for reading it backwards: its constants and the node that produces each value. */
export class Graph {
  readonly consts = new Map<string, TensorProto>();
  readonly producer = new Map<string, { node: NodeProto; index: number }>();
  readonly inputs = new Set<string>();
  /** `{ source }` for error fields, empty without a source. */
  readonly src: { source?: string };

  constructor(
    readonly nodes: NodeProto[],
    initializers: TensorProto[],
    inputs: string[],
    readonly source: string | undefined,
  ) {
    this.src = source !== undefined ? { source } : {};
    for (const t of initializers) this.consts.set(t.name!, t);
    for (const name of inputs) if (!this.consts.has(name)) this.inputs.add(name);
    for (const node of nodes) {
      if (node.op_type === 'Constant') {
        const t = constantValue(node);
        if (t) this.consts.set(node.output![0]!, t);
        continue;
      }
      node.output?.forEach((o, index) => this.producer.set(o, { node, index }));
    }
  }

  fail(node: NodeProto | undefined, detail: string, extra: { tensor?: string; expected?: unknown; actual?: unknown } = {}): never {
    const where = node ? `node '${node.name || '(unnamed)'}' (${node.op_type}): ` : '';
    throw new InteropError('onnx', 'unsupported', `${where}${detail}`, { ...extra, ...this.src });
  }

  constTensor(name: string | undefined): TensorProto | undefined {
    return name ? this.consts.get(name) : undefined;
  }

  ints(node: NodeProto, name: string): number[] {
    const t = this.constTensor(name);
    if (!t) this.fail(node, `input '${name}' must be a constant`);
    return intValues(t!);
  }

  /** The constant input `inputName` of `node` (its `label` in the op's terms, for messages). */
  weight(node: NodeProto, inputName: string | undefined, label: string): Weight {
    const t = this.constTensor(inputName);
    if (!t) this.fail(node, `${label} ('${inputName ?? ''}') must be a constant initializer`);
    return { ...hostTensor(t!, this.source), origin: inputName! };
  }

  expectShape(node: NodeProto, t: Weight, expected: number[], label: string): void {
    if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      throw new InteropError('onnx', 'shape-mismatch', `tensor '${t.origin}' (${label} of node '${node.name}') has the wrong shape`, { tensor: t.origin, expected, actual: t.shape, ...this.src });
    }
  }

  /** Whether `value` is all zeros: a constant, or a `ConstantOfShape` behind shape-only ops (how exporters write a zero initial state). */
  isZeros(value: string, depth = 0): boolean {
    if (depth > 20) return false;
    const c = this.constTensor(value);
    if (c) return Array.from(hostTensor(c).data).every((v) => v === 0);
    const p = this.producer.get(value);
    if (!p) return false;
    const { node } = p;
    if (node.op_type === 'ConstantOfShape') {
      const v = attr(node, 'value')?.t;
      return !v || Array.from(hostTensor(v).data).every((x) => x === 0);
    }
    if (['Slice', 'Expand', 'Reshape', 'Unsqueeze', 'Squeeze', 'Identity', 'Cast', 'Transpose', 'Tile'].includes(node.op_type)) return this.isZeros(node.input![0]!, depth + 1);
    return false;
  }
}

export function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}
export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a?.i !== undefined ? Number(a.i) : fallback;
}
export function attrFloat(node: NodeProto, name: string, fallback: number): number {
  return attr(node, name)?.f ?? fallback;
}
export function attrString(node: NodeProto, name: string, fallback: string): string {
  const a = attr(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : fallback;
}
export function attrInts(node: NodeProto, name: string): number[] | undefined {
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
export function scopeName(node: NodeProto, fallback: string): string {
  const parts = (node.name ?? '').split('/').filter(Boolean);
  parts.pop();
  const name = parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
  if (!name) return fallback;
  return /^[A-Za-z_]/.test(name) ? name : `_${name}`;
}
