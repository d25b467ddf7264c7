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

/** Reads an ONNX tensor to the host: floats (FLOAT, DOUBLE) as Float32Array, integers as Int32Array. */
export function hostTensor(t: TensorProto, source?: string): HostTensor {
  const name = t.name ?? '';
  const fail = (detail: string): never => {
    throw new InteropError('onnx', 'unsupported', `tensor '${name}': ${detail}`, { tensor: name, ...(source !== undefined ? { source } : {}) });
  };
  if (t.data_location === 1 || (t.external_data && t.external_data.length > 0)) fail('its data is stored in an external file; load models with their weights inside the .onnx file');
  const dims = (t.dims ?? []).map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new InteropError('onnx', 'invalid-file', `tensor '${name}' has dims [${dims.join(', ')}]`, { tensor: name, ...(source !== undefined ? { source } : {}) });
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.raw_data && t.raw_data.length > 0 ? t.raw_data : undefined;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const check = (n: number) => {
    if (n !== count) throw new InteropError('onnx', 'invalid-file', `tensor '${name}' has ${n} values for dims [${dims.join(', ')}]`, { tensor: name, expected: count, actual: n, ...(source !== undefined ? { source } : {}) });
  };
  switch (t.data_type) {
    case DataType.FLOAT: {
      if (view) {
        check(view.byteLength / 4);
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
        return { shape: dims, data: out };
      }
      check(t.float_data?.length ?? 0);
      return { shape: dims, data: Float32Array.from(t.float_data ?? []) };
    }
    case DataType.DOUBLE: {
      if (view) {
        check(view.byteLength / 8);
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
        return { shape: dims, data: out };
      }
      check(t.double_data?.length ?? 0);
      return { shape: dims, data: Float32Array.from(t.double_data ?? []) };
    }
    case DataType.INT64: {
      if (view) {
        check(view.byteLength / 8);
        const out = new Int32Array(count);
        for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
        return { shape: dims, data: out };
      }
      check(t.int64_data?.length ?? 0);
      return { shape: dims, data: Int32Array.from(t.int64_data ?? [], Number) };
    }
    case DataType.INT32: {
      if (view) {
        check(view.byteLength / 4);
        const out = new Int32Array(count);
        for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
        return { shape: dims, data: out };
      }
      check(t.int32_data?.length ?? 0);
      return { shape: dims, data: Int32Array.from(t.int32_data ?? []) };
    }
    default:
      return fail(`data type ${t.data_type} is not read (FLOAT, DOUBLE, INT32 and INT64 are)`);
  }
}

/** Integer values of a (small) constant tensor as plain numbers (INT64 beyond 2^53 become approximate). */
export function intValues(t: TensorProto): number[] {
  const raw = t.raw_data && t.raw_data.length > 0 ? t.raw_data : undefined;
  if (t.data_type === DataType.INT64) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    }
    return (t.int64_data ?? []).map(Number);
  }
  if (t.data_type === DataType.INT32) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
    }
    return (t.int32_data ?? []).map(Number);
  }
  return Array.from(hostTensor(t).data);
}
