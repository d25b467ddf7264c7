import { InteropError } from '../errors.js';
import type { HostTensor } from '../weights.js';
import { DataType, type TensorProto } from './proto.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A float32 initializer (raw little-endian bytes, as PyTorch writes them). */
export function floatTensor(name: string, dims: readonly number[], data: ArrayLike<number>): TensorProto {
  const f = Float32Array.from(data);
  return { name, dims: [...dims], data_type: DataType.FLOAT, raw_data: toLittleEndian(f) };
}

/** An int64 initializer. */
export function int64Tensor(name: string, dims: readonly number[], data: readonly number[]): TensorProto {
  const bytes = new Uint8Array(data.length * 8);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims: [...dims], data_type: DataType.INT64, raw_data: bytes };
}

function toLittleEndian(f: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength));
  const out = new Uint8Array(f.length * 4);
  const view = new DataView(out.buffer);
  f.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/** How one data type is stored: bytes per value in `raw_data`, how to read one, and its typed field. */
interface Layout {
  width: number;
  read(view: DataView, offset: number): number;
  list(t: TensorProto): number[] | undefined;
  /** What the host holds it in: floats as Float32Array, integers as Int32Array. */
  host: Float32ArrayConstructor | Int32ArrayConstructor;
}

const LAYOUTS: Partial<Record<number, Layout>> = {
  [DataType.FLOAT]: { width: 4, read: (v, o) => v.getFloat32(o, true), list: (t) => t.float_data, host: Float32Array },
  [DataType.DOUBLE]: { width: 8, read: (v, o) => v.getFloat64(o, true), list: (t) => t.double_data, host: Float32Array },
  [DataType.INT64]: { width: 8, read: (v, o) => Number(v.getBigInt64(o, true)), list: (t) => t.int64_data, host: Int32Array },
  [DataType.INT32]: { width: 4, read: (v, o) => v.getInt32(o, true), list: (t) => t.int32_data, host: Int32Array },
};

function rawView(t: TensorProto): DataView | undefined {
  const raw = t.raw_data && t.raw_data.length > 0 ? t.raw_data : undefined;
  return raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
}

/** Reads an ONNX tensor to the host: floats (FLOAT, DOUBLE) as Float32Array, integers as Int32Array. */
export function hostTensor(t: TensorProto, source?: string): HostTensor {
  const name = t.name ?? '';
  const src = source !== undefined ? { source } : {};
  const fail = (detail: string): never => {
    throw new InteropError('onnx', 'unsupported', `tensor '${name}': ${detail}`, { tensor: name, ...src });
  };
  if (t.data_location === 1 || (t.external_data && t.external_data.length > 0)) fail('its data is stored in an external file; load models with their weights inside the .onnx file');
  const dims = (t.dims ?? []).map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new InteropError('onnx', 'invalid-file', `tensor '${name}' has dims [${dims.join(', ')}]`, { tensor: name, ...src });
  const count = dims.reduce((a, b) => a * b, 1);
  const layout = t.data_type !== undefined ? LAYOUTS[t.data_type] : undefined;
  if (!layout) return fail(`data type ${t.data_type} is not read (FLOAT, DOUBLE, INT32 and INT64 are)`);
  const view = rawView(t);
  const n = view ? view.byteLength / layout.width : (layout.list(t)?.length ?? 0);
  if (n !== count) throw new InteropError('onnx', 'invalid-file', `tensor '${name}' has ${n} values for dims [${dims.join(', ')}]`, { tensor: name, expected: count, actual: n, ...src });
  if (!view) {
    const list = layout.list(t) ?? [];
    return { shape: dims, data: layout.host === Float32Array ? Float32Array.from(list, Number) : Int32Array.from(list, Number) };
  }
  const out = new layout.host(count);
  for (let i = 0; i < count; i++) out[i] = layout.read(view, i * layout.width);
  return { shape: dims, data: out };
}

/** Integer values of a (small) constant tensor as plain numbers (INT64 beyond 2^53 become approximate). */
export function intValues(t: TensorProto): number[] {
  if (t.data_type !== DataType.INT64 && t.data_type !== DataType.INT32) return Array.from(hostTensor(t).data);
  // Not through hostTensor: its Int32Array would wrap an INT64 beyond 2^31.
  const layout = LAYOUTS[t.data_type]!;
  const view = rawView(t);
  if (view) return Array.from({ length: view.byteLength / layout.width }, (_, i) => layout.read(view, i * layout.width));
  return (layout.list(t) ?? []).map(Number);
}
