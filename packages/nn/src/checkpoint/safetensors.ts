/**
 * The safetensors file format, read and written without any Node API (works in
 * browsers and workers).
 *
 * Layout (https://github.com/huggingface/safetensors):
 *
 * ```
 * [8 bytes: N, unsigned little-endian u64]
 * [N bytes: UTF-8 JSON header, may be padded with trailing spaces]
 * [data: the tensors' bytes, little-endian, row-major]
 * ```
 *
 * The header maps tensor names to `{ "dtype", "shape", "data_offsets": [begin, end) }`
 * with offsets relative to the first byte after the header, plus an optional
 * `"__metadata__"` map of strings to strings. Tensors must be contiguous: sorted by
 * offset each begins where the previous ends, the first at 0 and the last ending at
 * the end of the file.
 */
import { CheckpointError } from './errors.js';
import { floatToHalf, halfToFloat } from './quantize.js';

export type { SafetensorsDType, SafetensorsWritableDType, SafetensorsTensor, ParsedSafetensors, ParseSafetensorsOptions, SafetensorsWritableTensor, SerializeSafetensorsOptions } from './safetensors-types.js';
import type { SafetensorsDType, SafetensorsWritableDType, SafetensorsTensor, ParsedSafetensors, ParseSafetensorsOptions, SafetensorsWritableTensor, SerializeSafetensorsOptions } from './safetensors-types.js';

/** Largest header accepted, as in the reference implementation (100 MB). */
export const MAX_HEADER_SIZE = 100_000_000;

/** Bytes per element of every dtype the format defines that cellstate reads. */
const ELEMENT_SIZE: Record<SafetensorsDType, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I32: 4,
  I64: 8,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Valid safetensors dtypes cellstate does not read (reported as unsupported, not unknown). */
const UNSUPPORTED_DTYPES = new Set(['U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64']);

const METADATA_KEY = '__metadata__';

function isSupportedDType(value: string): value is SafetensorsDType {
  return Object.prototype.hasOwnProperty.call(ELEMENT_SIZE, value);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Parses a safetensors file. Every malformed input throws `CheckpointError` naming
 * the problem and `options.source`.
 *
 * @example
 * ```ts
 * const { tensors, metadata } = parseSafetensors(bytes, { source: 'model.safetensors' });
 * const w = tensors.get('lstm.weight_ih_l0'); // { dtype: 'F32', shape: [16, 3], data: Float32Array }
 * ```
 */
export function parseSafetensors(bytes: Uint8Array, options: ParseSafetensorsOptions = {}): ParsedSafetensors {
  const source = options.source;
  const fail = (code: ConstructorParameters<typeof CheckpointError>[0], detail: string, extra: { tensor?: string; expected?: unknown; actual?: unknown; cause?: unknown } = {}): never => {
    throw new CheckpointError(code, detail, { source, ...extra });
  };

  if (!ArrayBuffer.isView(bytes) || (bytes as Uint8Array).BYTES_PER_ELEMENT !== 1) fail('invalid-argument', 'expected the file contents as a Uint8Array');
  if (bytes.length < 8) {
    fail('truncated', `truncated file: ${bytes.length} bytes, too short for the 8-byte header size`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getBigUint64(0, true);
  if (headerSize > BigInt(MAX_HEADER_SIZE)) {
    fail('header-too-large', `header size ${headerSize} is larger than the limit of ${MAX_HEADER_SIZE} bytes`);
  }
  const n = Number(headerSize);
  if (8 + n > bytes.length) {
    fail('truncated', `truncated file: header size ${n} is larger than the ${bytes.length - 8} bytes that follow it`);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch (cause) {
    return fail('invalid-header', 'invalid header: not valid UTF-8', { cause });
  }
  if (!text.startsWith('{')) fail('invalid-header', "invalid JSON header: it must be a JSON object starting with '{'");
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (cause) {
    return fail('invalid-header', `invalid JSON header: ${(cause as Error).message}`, { cause });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail('invalid-header', 'invalid JSON header: it must be a JSON object');
  }
  const duplicate = findDuplicateTopLevelKey(text);
  if (duplicate !== undefined) fail('duplicate-name', `duplicate name '${duplicate}' in the header`, { tensor: duplicate });

  const metadata: Record<string, string> = {};
  const raw = header as Record<string, unknown>;
  const entries: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(raw)) {
    if (name === METADATA_KEY) {
      if (info === null) continue;
      if (typeof info !== 'object' || Array.isArray(info)) fail('invalid-header', `invalid header: '${METADATA_KEY}' must be an object of strings`);
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail('invalid-header', `invalid header: metadata value '${k}' is a ${typeof v}, safetensors metadata values are strings`);
        // defineProperty: a '__proto__' key is data, not the prototype
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (typeof info !== 'object' || info === null || Array.isArray(info)) {
      fail('invalid-header', `invalid header: entry for tensor '${name}' is not an object`, { tensor: name });
    }
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string') fail('invalid-header', `invalid header: tensor '${name}' has no string 'dtype'`, { tensor: name });
    const dt = dtype as string;
    if (!isSupportedDType(dt)) {
      if (UNSUPPORTED_DTYPES.has(dt)) {
        fail('unknown-dtype', `tensor '${name}' has dtype '${dt}', which cellstate does not read (supported: ${Object.keys(ELEMENT_SIZE).join(', ')})`, { tensor: name });
      }
      fail('unknown-dtype', `tensor '${name}' has unknown dtype '${dt}'`, { tensor: name });
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      fail('invalid-header', `invalid header: tensor '${name}' has shape ${JSON.stringify(shape)}, expected a list of non-negative integers`, { tensor: name });
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      fail('invalid-offsets', `invalid offsets for tensor '${name}': data_offsets ${JSON.stringify(offsets)} must be two non-negative integers [begin, end)`, { tensor: name });
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail('invalid-offsets', `invalid offsets for tensor '${name}': end ${end} is before begin ${begin}`, { tensor: name });
    entries.push({ name, dtype: dt as SafetensorsDType, shape: [...(shape as number[])], begin, end });
  }

  // Contiguity, like the reference implementation: sorted by offsets each tensor starts
  // where the previous one ended, the first at 0, the last at the end of the buffer.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  let cursor = 0;
  for (const e of entries) {
    if (e.begin < cursor) {
      fail('invalid-offsets', `invalid offsets: tensor '${e.name}' [${e.begin}, ${e.end}) overlaps the previous tensor, which ends at ${cursor}`, { tensor: e.name });
    }
    if (e.begin > cursor) {
      fail('invalid-offsets', `invalid offsets: gap of ${e.begin - cursor} bytes before tensor '${e.name}' (tensors must be contiguous; expected it to begin at ${cursor}, it begins at ${e.begin})`, { tensor: e.name });
    }
    if (e.end > dataLength) {
      fail('truncated', `truncated file: tensor '${e.name}' ends at data offset ${e.end}, out of range of the ${dataLength} data bytes`, { tensor: e.name });
    }
    const size = ELEMENT_SIZE[e.dtype];
    const byteLength = e.end - e.begin;
    if (byteLength % size !== 0) {
      fail('invalid-offsets', `invalid offsets for tensor '${e.name}': its ${byteLength} bytes are misaligned with the ${size}-byte size of ${e.dtype}`, { tensor: e.name });
    }
    let elements = 1;
    for (const d of e.shape) elements *= d;
    if (!Number.isSafeInteger(elements * size) || elements * size !== byteLength) {
      fail('size-mismatch', `size mismatch for tensor '${e.name}': shape [${e.shape.join(', ')}] of ${e.dtype} needs ${elements * size} bytes, data_offsets span ${byteLength}`, {
        tensor: e.name,
        expected: elements * size,
        actual: byteLength,
      });
    }
    cursor = e.end;
  }
  if (cursor !== dataLength) {
    fail('invalid-offsets', `invalid offsets: the tensors cover ${cursor} of the ${dataLength} data bytes (${dataLength - cursor} trailing bytes belong to no tensor)`);
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const data = decode(bytes, dataStart + e.begin, dataStart + e.end, e.dtype, e.name, source);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

/**
 * Writes a safetensors file. Tensors are written in sorted name order (byte order of
 * the UTF-8 names; `options.order: 'insertion'` keeps the map's order) and the header
 * is padded with spaces to a multiple of 8 bytes, as the reference writer does.
 * `metadata` becomes `__metadata__` (omitted when empty). F16 tensors are given as
 * float values and rounded to half precision; I8 and I32 values must be integers in
 * range.
 *
 * @example
 * ```ts
 * const bytes = serializeSafetensors(new Map([['w', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]]), { format: 'pt' });
 * ```
 */
export function serializeSafetensors(tensors: Map<string, SafetensorsWritableTensor>, metadata?: Record<string, string>, options: SerializeSafetensorsOptions = {}): Uint8Array {
  const bad = (detail: string, tensor?: string): never => {
    throw new CheckpointError('invalid-argument', `cannot write: ${detail}`, { tensor });
  };
  const encoder = new TextEncoder();
  const named = [...tensors].map(([name, t]) => ({ name, key: encoder.encode(name), t }));
  if (options.order !== 'insertion') named.sort((a, b) => compareBytes(a.key, b.key));

  let header = '{';
  let first = true;
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') bad(`metadata value '${k}' is a ${typeof v}; safetensors metadata values must be strings`);
      parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    header += `${JSON.stringify(METADATA_KEY)}:{${parts.join(',')}}`;
    first = false;
  }
  let offset = 0;
  const chunks: { name: string; offset: number; t: SafetensorsWritableTensor; count: number }[] = [];
  for (const { name, t } of named) {
    if (name === METADATA_KEY) bad(`'${METADATA_KEY}' is reserved and cannot name a tensor`, name);
    if (!Object.prototype.hasOwnProperty.call(WRITE_RANGE, t.dtype)) bad(`tensor '${name}' has dtype '${String(t.dtype)}'; cellstate writes F32, F16, I32, I8 and U8`, name);
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      bad(`tensor '${name}' has shape ${JSON.stringify(t.shape)}, expected a list of non-negative integers`, name);
    }
    let count = 1;
    for (const d of t.shape) count *= d;
    if (t.data.length !== count) bad(`tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}] (${count} elements)`, name);
    const byteLength = count * ELEMENT_SIZE[t.dtype];
    header += `${first ? '' : ','}${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + byteLength}]}`;
    first = false;
    chunks.push({ name, offset, t, count });
    offset += byteLength;
  }
  header += '}';
  const headerBytes = encoder.encode(header);
  const padded = headerBytes.length + ((8 - (headerBytes.length % 8)) % 8);
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.length, 8 + padded);
  const base = 8 + padded;
  for (const { name, offset: at, t, count } of chunks) writeData(view, base + at, name, t, count, bad);
  return out;
}

/** Integer range of each integer dtype cellstate writes (null: floats). */
const WRITE_RANGE: Record<SafetensorsWritableDType, readonly [number, number] | null> = { F32: null, F16: null, I32: [-2147483648, 2147483647], I8: [-128, 127], U8: [0, 255] };

function writeData(view: DataView, p: number, name: string, t: SafetensorsWritableTensor, count: number, bad: (detail: string, tensor?: string) => never): void {
  const { dtype, data } = t;
  if (LITTLE_ENDIAN_HOST && ((dtype === 'F32' && data instanceof Float32Array) || (dtype === 'I32' && data instanceof Int32Array) || (dtype === 'I8' && data instanceof Int8Array) || (dtype === 'U8' && data instanceof Uint8Array))) {
    new Uint8Array(view.buffer).set(new Uint8Array(data.buffer, data.byteOffset, count * ELEMENT_SIZE[dtype]), p);
  } else if (dtype === 'F32') {
    for (let i = 0; i < count; i++) view.setFloat32(p + 4 * i, data[i]!, true);
  } else if (dtype === 'F16') {
    for (let i = 0; i < count; i++) view.setUint16(p + 2 * i, floatToHalf(data[i]!), true);
  } else {
    const [lo, hi] = WRITE_RANGE[dtype]!;
    for (let i = 0; i < count; i++) {
      const v = data[i]!;
      if (!Number.isInteger(v) || v < lo || v > hi) bad(`tensor '${name}' holds ${v} at index ${i}, not an ${dtype === 'I8' ? 'int8' : dtype === 'U8' ? 'uint8' : 'int32'}`, name);
      if (dtype === 'I8') view.setInt8(p + i, v);
      else if (dtype === 'U8') view.setUint8(p + i, v);
      else view.setInt32(p + 4 * i, v, true);
    }
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The first key that occurs twice directly inside the top-level JSON object of
 * `text` (already known to be valid JSON), or undefined. `JSON.parse` silently keeps
 * the last of duplicate keys; a safetensors header must not have any.
 */
function findDuplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      if (depth === 1) {
        let j = i;
        while (j < text.length && ' \t\r\n'.includes(text[j]!)) j++;
        if (text[j] === ':') {
          const key = JSON.parse(text.slice(start, i)) as string;
          if (seen.has(key)) return key;
          seen.add(key);
        }
      }
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return undefined;
}

/**
 * The tensor's values as float32 or int32. On a little-endian host (every platform
 * cellstate runs on) the bytes are read through typed arrays, converted natively; a
 * big-endian host reads them one by one through a little-endian DataView.
 */
function decode(bytes: Uint8Array, start: number, end: number, dtype: SafetensorsDType, name: string, source: string | undefined): Float32Array | Int32Array {
  const count = (end - start) / ELEMENT_SIZE[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, end - start);
  const le = LITTLE_ENDIAN_HOST;
  switch (dtype) {
    case 'F32':
      return le ? new Float32Array(copyBuffer(bytes, start, end)) : readEach(new Float32Array(count), (i) => view.getFloat32(4 * i, true));
    case 'I32':
      return le ? new Int32Array(copyBuffer(bytes, start, end)) : readEach(new Int32Array(count), (i) => view.getInt32(4 * i, true));
    case 'F64':
      return le ? new Float32Array(new Float64Array(copyBuffer(bytes, start, end))) : readEach(new Float32Array(count), (i) => view.getFloat64(8 * i, true));
    case 'I16':
      return le ? new Int32Array(new Int16Array(copyBuffer(bytes, start, end))) : readEach(new Int32Array(count), (i) => view.getInt16(2 * i, true));
    case 'I8':
      return new Int32Array(new Int8Array(bytes.buffer, bytes.byteOffset + start, count));
    case 'U8':
      return new Int32Array(bytes.subarray(start, end));
    case 'F16':
      return readEach(new Float32Array(count), (i) => halfToFloat(view.getUint16(2 * i, true)));
    case 'BF16': {
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = view.getInt32(8 * i, true);
        const hi = view.getInt32(8 * i + 4, true);
        if (hi !== lo >> 31) {
          const value = view.getBigInt64(8 * i, true);
          throw new CheckpointError('out-of-range', `tensor '${name}' (I64) holds ${value} at index ${i}, outside the int32 range cellstate uses`, { source, tensor: name });
        }
        out[i] = lo;
      }
      return out;
    }
    case 'BOOL': {
      const out = new Int32Array(bytes.subarray(start, end));
      for (let i = 0; i < count; i++) {
        if (out[i]! > 1) throw new CheckpointError('out-of-range', `tensor '${name}' (BOOL) holds byte ${out[i]} at index ${i}; booleans are 0 or 1`, { source, tensor: name });
      }
      return out;
    }
  }
}

/** `out` with element i set to `read(i)`: the conversions no typed array does. */
function readEach<T extends Float32Array | Int32Array>(out: T, read: (i: number) => number): T {
  for (let i = 0; i < out.length; i++) out[i] = read(i);
  return out;
}

function copyBuffer(bytes: Uint8Array, start: number, end: number): ArrayBuffer {
  const copy = new Uint8Array(end - start);
  copy.set(bytes.subarray(start, end));
  return copy.buffer;
}
