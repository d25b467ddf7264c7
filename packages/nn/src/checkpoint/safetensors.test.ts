import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CellstateError } from '@cellstate/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError } from './errors.js';
import { halfToFloat } from './quantize.js';
import { MAX_HEADER_SIZE, parseSafetensors, serializeSafetensors, type SafetensorsDType, type SafetensorsWritableTensor } from './safetensors.js';

const FIXTURES = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** Builds a file from a header (object or raw JSON text) and data bytes, like a careless writer might. */
function rawFile(header: unknown, data: Uint8Array | number[] = [], headerSize?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = new Uint8Array(8 + text.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, headerSize ?? BigInt(text.length), true);
  bytes.set(text, 8);
  bytes.set(data, 8 + text.length);
  return bytes;
}

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function expectCheckpointError(fn: () => unknown, code: CheckpointError['code'], message: RegExp): CheckpointError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  expect(caught).toBeInstanceOf(CellstateError);
  const e = caught as CheckpointError;
  expect(e.code).toBe(code);
  expect(e.message).toMatch(message);
  expect(e.message).toContain('(in bad.safetensors)');
  expect(e.source).toBe('bad.safetensors');
  expect(e.file).toBe('bad.safetensors');
  return e;
}

const bad = (bytes: Uint8Array) => () => parseSafetensors(bytes, { source: 'bad.safetensors' });

describe('serializeSafetensors / parseSafetensors round trip', () => {
  it('round-trips F32 and I32 tensors, scalars, empty tensors and metadata', () => {
    const tensors = new Map<string, SafetensorsWritableTensor>([
      ['w', { dtype: 'F32', shape: [2, 3], data: new Float32Array([1.5, -2, 3.25, 0, -0, 1e-30]) }],
      ['ids', { dtype: 'I32', shape: [4], data: new Int32Array([-2147483648, 2147483647, 0, -7]) }],
      ['scalar', { dtype: 'F32', shape: [], data: [Math.PI] }],
      ['empty', { dtype: 'F32', shape: [0, 5], data: new Float32Array(0) }],
      ['special', { dtype: 'F32', shape: [3], data: new Float32Array([NaN, Infinity, -Infinity]) }],
      ['plain', { dtype: 'I32', shape: [2], data: [5, -6] }],
    ]);
    const bytes = serializeSafetensors(tensors, { format: 'cellstate', note: 'héllo ✓' });
    const parsed = parseSafetensors(bytes);
    expect(parsed.metadata).toEqual({ format: 'cellstate', note: 'héllo ✓' });
    expect([...parsed.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      const got = parsed.tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data).toBeInstanceOf(t.dtype === 'F32' ? Float32Array : Int32Array);
      const want = t.dtype === 'F32' ? Float32Array.from(t.data) : Int32Array.from(t.data);
      expect(Array.from(got.data)).toEqual(Array.from(want));
    }
    expect(Object.is(parsed.tensors.get('w')!.data[4], -0)).toBe(true);
    expect(parsed.tensors.get('scalar')!.data[0]).toBe(Math.fround(Math.PI));
  });

  it('writes the reference layout: sorted names, offsets from 0, header padded with spaces to 8 bytes', () => {
    const bytes = serializeSafetensors(
      new Map<string, SafetensorsWritableTensor>([
        ['b', { dtype: 'F32', shape: [1], data: [1] }],
        ['a', { dtype: 'I32', shape: [2], data: [2, 3] }],
      ]),
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    const json = '{"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}';
    expect(header).toBe(json + ' '.repeat(n - json.length));
    expect(bytes.length).toBe(8 + n + 12);
    expect(Array.from(bytes.subarray(8 + n, 8 + n + 4))).toEqual([2, 0, 0, 0]); // little-endian
  });

  it('sorts by UTF-8 bytes and omits empty metadata', () => {
    const bytes = serializeSafetensors(
      new Map<string, SafetensorsWritableTensor>([
        ['\u{1F600}', { dtype: 'F32', shape: [], data: [1] }],
        ['\uFF21', { dtype: 'F32', shape: [], data: [2] }],
        ['Z', { dtype: 'F32', shape: [], data: [3] }],
      ]),
      {},
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header).not.toContain('__metadata__');
    const order = Object.keys(JSON.parse(header) as object);
    expect(order).toEqual(['Z', '\uFF21', '\u{1F600}']); // UTF-16 order would put the emoji before U+FF21
    expect([...parseSafetensors(bytes).tensors.keys()]).toEqual(order);
  });

  it('reads every supported dtype, converting to Float32Array / Int32Array', () => {
    const f64 = new Float64Array([1.5, -1e300, 1 / 3]);
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x0400]);
    const bf16 = new Uint16Array([0x3fc0, 0xc2ca, 0x0000, 0x7f80]);
    const i64 = new BigInt64Array([-2147483648n, 2147483647n, 0n, -1n]);
    const i16 = new Int16Array([-32768, 32767, -1]);
    const i8 = new Int8Array([-128, 127, 0]);
    const u8 = new Uint8Array([0, 255, 128]);
    const bool = new Uint8Array([1, 0, 1]);
    const f32 = new Float32Array([0.1, -2]);
    const i32 = new Int32Array([-5, 6]);
    const parts: [string, SafetensorsDType, number[], Uint8Array][] = [
      ['f64', 'F64', [3], bytesOf(f64)],
      ['f32', 'F32', [2], bytesOf(f32)],
      ['i64', 'I64', [2, 2], bytesOf(i64)],
      ['i32', 'I32', [2], bytesOf(i32)],
      ['f16', 'F16', [9], bytesOf(f16)],
      ['bf16', 'BF16', [4], bytesOf(bf16)],
      ['i16', 'I16', [3], bytesOf(i16)],
      ['i8', 'I8', [3], bytesOf(i8)],
      ['u8', 'U8', [3], u8],
      ['bool', 'BOOL', [3], bool],
    ];
    const header: Record<string, unknown> = {};
    const data: number[] = [];
    for (const [name, dtype, shape, b] of parts) {
      header[name] = { dtype, shape, data_offsets: [data.length, data.length + b.length] };
      data.push(...b);
    }
    const { tensors } = parseSafetensors(rawFile(header, data));
    const values = (name: string) => Array.from(tensors.get(name)!.data);
    expect(tensors.get('f64')!.data).toBeInstanceOf(Float32Array);
    expect(values('f64')).toEqual([1.5, -Infinity, Math.fround(1 / 3)]);
    expect(values('f32')).toEqual(Array.from(f32));
    expect(values('f16')).toEqual([1, -2, 65504, 2 ** -24, -0, Infinity, -Infinity, NaN, 2 ** -14]);
    expect(Object.is(values('f16')[4], -0)).toBe(true);
    expect(values('bf16')).toEqual([1.5, -101, 0, Infinity]);
    for (const name of ['i64', 'i32', 'i16', 'i8', 'u8', 'bool']) expect(tensors.get(name)!.data).toBeInstanceOf(Int32Array);
    expect(values('i64')).toEqual([-2147483648, 2147483647, 0, -1]);
    expect(tensors.get('i64')!.shape).toEqual([2, 2]);
    expect(values('i32')).toEqual([-5, 6]);
    expect(values('i16')).toEqual([-32768, 32767, -1]);
    expect(values('i8')).toEqual([-128, 127, 0]);
    expect(values('u8')).toEqual([0, 255, 128]);
    expect(values('bool')).toEqual([1, 0, 1]);
    expect(tensors.get('bool')!.dtype).toBe('BOOL');
  });

  it('accepts a header padded with spaces and a file without tensors', () => {
    const file = rawFile('{"__metadata__":{"a":"b"}}      ');
    expect(parseSafetensors(file)).toEqual({ tensors: new Map(), metadata: { a: 'b' } });
    expect(parseSafetensors(serializeSafetensors(new Map())).tensors.size).toBe(0);
  });

  it('reads from a Uint8Array that is a view into a larger buffer at an odd offset', () => {
    const file = serializeSafetensors(new Map([['x', { dtype: 'F32', shape: [2], data: [1, 2] } as SafetensorsWritableTensor]]));
    const big = new Uint8Array(file.length + 3);
    big.set(file, 1);
    expect(Array.from(parseSafetensors(big.subarray(1, 1 + file.length)).tensors.get('x')!.data)).toEqual([1, 2]);
  });

  it('halfToFloat is exact on every finite half', () => {
    const inexact: number[] = [];
    let previous = -Infinity;
    for (let h = 0; h < 0x7c00; h++) {
      const v = halfToFloat(h);
      // every half is a float32, and the positive halves increase with their bits
      if (Math.fround(v) !== v || !(v > previous || (h === 0 && v === 0))) inexact.push(h);
      if (halfToFloat(h | 0x8000) !== -v) inexact.push(h | 0x8000);
      previous = v;
    }
    expect(inexact).toEqual([]);
    expect(halfToFloat(0x3555)).toBe(0.333251953125);
  });
});

describe('malformed files throw CheckpointError naming the problem and the file', () => {
  const f32 = (shape: number[], offsets: number[]) => ({ dtype: 'F32', shape, data_offsets: offsets });

  it('truncated: shorter than the 8-byte size field', () => {
    expectCheckpointError(bad(new Uint8Array(5)), 'truncated', /truncated file: 5 bytes/);
    expectCheckpointError(bad(new Uint8Array(0)), 'truncated', /truncated file/);
  });

  it('header size larger than the 100 MB limit', () => {
    expectCheckpointError(bad(rawFile('{}', [], BigInt(MAX_HEADER_SIZE) + 1n)), 'header-too-large', /header size 100000001 is larger than the limit/);
    expectCheckpointError(bad(rawFile('{}', [], 2n ** 64n - 1n)), 'header-too-large', /larger than the limit/);
  });

  it('header size larger than the file', () => {
    expectCheckpointError(bad(rawFile('{}', [], 1000n)), 'truncated', /truncated file: header size 1000 is larger than the 2 bytes/);
  });

  it('a file cut short inside the tensor data', () => {
    const full = serializeSafetensors(new Map([['w', { dtype: 'F32', shape: [4], data: [1, 2, 3, 4] } as SafetensorsWritableTensor]]));
    const e = expectCheckpointError(bad(full.subarray(0, full.length - 3)), 'truncated', /truncated file: tensor 'w' ends at data offset 16, out of range of the 13 data bytes/);
    expect(e.tensor).toBe('w');
    // cut inside the header
    expectCheckpointError(bad(full.subarray(0, 20)), 'truncated', /header size \d+ is larger than/);
  });

  it('invalid JSON and non-object headers', () => {
    expectCheckpointError(bad(rawFile('{"w": ')), 'invalid-header', /invalid JSON header/);
    expectCheckpointError(bad(rawFile('[1, 2]')), 'invalid-header', /invalid JSON header: it must be a JSON object/);
    expectCheckpointError(bad(rawFile(' {}')), 'invalid-header', /must be a JSON object starting with '\{'/);
    expectCheckpointError(bad(rawFile('{"w": [0]}')), 'invalid-header', /entry for tensor 'w' is not an object/);
  });

  it('a header that is not UTF-8', () => {
    const file = rawFile('{"a":1}');
    file[10] = 0xff;
    expectCheckpointError(bad(file), 'invalid-header', /not valid UTF-8/);
  });

  it('metadata values that are not strings', () => {
    expectCheckpointError(bad(rawFile({ __metadata__: { epoch: 3 } })), 'invalid-header', /metadata value 'epoch' is a number/);
  });

  it('unknown and unsupported dtypes', () => {
    expectCheckpointError(bad(rawFile({ w: { dtype: 'F42', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0])), 'unknown-dtype', /tensor 'w' has unknown dtype 'F42'/);
    expectCheckpointError(bad(rawFile({ w: { dtype: 'U32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0])), 'unknown-dtype', /dtype 'U32', which cellstate does not read/);
    expectCheckpointError(bad(rawFile({ w: { shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0])), 'invalid-header', /no string 'dtype'/);
  });

  it('bad shapes and offsets fields', () => {
    expectCheckpointError(bad(rawFile({ w: f32([-1], [0, 4]) }, [0, 0, 0, 0])), 'invalid-header', /shape \[-1\]/);
    expectCheckpointError(bad(rawFile({ w: f32([1.5], [0, 4]) }, [0, 0, 0, 0])), 'invalid-header', /non-negative integers/);
    expectCheckpointError(bad(rawFile({ w: f32([1], [0]) }, [0, 0, 0, 0])), 'invalid-offsets', /data_offsets \[0\] must be two/);
    expectCheckpointError(bad(rawFile({ w: f32([1], [-4, 0]) }, [0, 0, 0, 0])), 'invalid-offsets', /must be two non-negative integers/);
    expectCheckpointError(bad(rawFile({ w: f32([1], [4, 0]) }, [0, 0, 0, 0])), 'invalid-offsets', /end 0 is before begin 4/);
  });

  it('offsets out of range', () => {
    expectCheckpointError(bad(rawFile({ w: f32([2], [0, 8]) }, [0, 0, 0, 0])), 'truncated', /tensor 'w' ends at data offset 8, out of range of the 4 data bytes/);
  });

  it('overlapping tensors', () => {
    const data = new Array(12).fill(0);
    const e = expectCheckpointError(bad(rawFile({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, data)), 'invalid-offsets', /tensor 'b' \[4, 12\) overlaps the previous tensor, which ends at 8/);
    expect(e.tensor).toBe('b');
    expectCheckpointError(bad(rawFile({ a: f32([1], [0, 4]), b: f32([1], [0, 4]) }, [0, 0, 0, 0])), 'invalid-offsets', /overlaps/);
  });

  it('gaps between tensors, a first tensor not at 0, and trailing bytes', () => {
    const data = new Array(12).fill(0);
    expectCheckpointError(bad(rawFile({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, data)), 'invalid-offsets', /gap of 4 bytes before tensor 'b'/);
    expectCheckpointError(bad(rawFile({ a: f32([1], [4, 8]) }, new Array(8).fill(0))), 'invalid-offsets', /gap of 4 bytes before tensor 'a'/);
    expectCheckpointError(bad(rawFile({ a: f32([1], [0, 4]) }, new Array(6).fill(0))), 'invalid-offsets', /cover 4 of the 6 data bytes \(2 trailing bytes/);
  });

  it('byte lengths misaligned with the dtype size', () => {
    expectCheckpointError(bad(rawFile({ a: f32([1], [0, 6]) }, new Array(6).fill(0))), 'invalid-offsets', /its 6 bytes are misaligned with the 4-byte size of F32/);
    expectCheckpointError(bad(rawFile({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0])), 'invalid-offsets', /misaligned with the 8-byte size of F64/);
  });

  it('shape x dtype size different from the byte length', () => {
    const e = expectCheckpointError(bad(rawFile({ a: f32([3], [0, 8]) }, new Array(8).fill(0))), 'size-mismatch', /size mismatch for tensor 'a': shape \[3\] of F32 needs 12 bytes, data_offsets span 8/);
    expect(e.expected).toBe(12);
    expect(e.actual).toBe(8);
    expectCheckpointError(bad(rawFile({ a: f32([2 ** 40, 2 ** 20], [0, 4]) }, [0, 0, 0, 0])), 'size-mismatch', /size mismatch/);
  });

  it('duplicate names', () => {
    const header = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "w" :{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    const e = expectCheckpointError(bad(rawFile(header, new Array(8).fill(0))), 'duplicate-name', /duplicate name 'w'/);
    expect(e.tensor).toBe('w');
    // escaped spellings of the same name are the same name
    const escaped = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\\u0077":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expectCheckpointError(bad(rawFile(escaped, new Array(8).fill(0))), 'duplicate-name', /duplicate name 'w'/);
    // the same key nested deeper is not a duplicate
    expect(() => parseSafetensors(rawFile('{"__metadata__":{"w":"x","dtype":"y"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0]))).not.toThrow();
  });

  it('I64 values outside the int32 range and BOOL bytes other than 0/1', () => {
    const i64 = bytesOf(new BigInt64Array([1n, 2147483648n]));
    expectCheckpointError(bad(rawFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, i64)), 'out-of-range', /tensor 'ids' \(I64\) holds 2147483648 at index 1, outside the int32 range/);
    const low = bytesOf(new BigInt64Array([-2147483649n]));
    expectCheckpointError(bad(rawFile({ ids: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, low)), 'out-of-range', /holds -2147483649/);
    expectCheckpointError(bad(rawFile({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, [1, 2])), 'out-of-range', /BOOL\) holds byte 2/);
  });

  it('the message omits the file part when no source is given', () => {
    expect(() => parseSafetensors(new Uint8Array(3))).toThrow(/^checkpoint: truncated file: 3 bytes, too short for the 8-byte header size$/);
  });
});

describe('serializeSafetensors rejects what it cannot write', () => {
  const one = (t: Omit<Partial<SafetensorsWritableTensor>, 'dtype'> & { dtype: string }, name = 'w') =>
    () => serializeSafetensors(new Map([[name, { shape: [1], data: [1], ...t } as SafetensorsWritableTensor]]));
  it('names the problem', () => {
    expect(one({ dtype: 'BF16' })).toThrow(/cannot write: tensor 'w' has dtype 'BF16'; cellstate writes F32, F16, I32, I8 and U8/);
    expect(one({ dtype: 'F32', shape: [2] })).toThrow(/tensor 'w' has 1 values for shape \[2\]/);
    expect(one({ dtype: 'F32', shape: [-1] })).toThrow(/shape \[-1\]/);
    expect(one({ dtype: 'I32', data: [1.5] })).toThrow(/tensor 'w' holds 1.5 at index 0, not an int32/);
    expect(one({ dtype: 'I32', data: [2 ** 31] })).toThrow(/not an int32/);
    expect(one({ dtype: 'I8', data: [128] })).toThrow(/tensor 'w' holds 128 at index 0, not an int8/);
    expect(one({ dtype: 'I8', data: [0.5] })).toThrow(/not an int8/);
    expect(one({ dtype: 'F32' }, '__metadata__')).toThrow(/reserved/);
    expect(() => serializeSafetensors(new Map(), { a: 1 as unknown as string })).toThrow(/metadata value 'a' is a number/);
    expect(one({ dtype: 'BF16' })).toThrow(CheckpointError);
  });
});

describe('PyTorch-written fixtures (tools/fixtures/make_safetensors_fixtures.py)', () => {
  interface FixtureTensor {
    dtype: SafetensorsDType;
    shape: number[];
    values: number[];
  }
  const info = JSON.parse(readFileSync(join(FIXTURES, 'torch_fixtures.json'), 'utf8')) as {
    torch_version: string;
    seed: number;
    files: Record<string, { metadata: Record<string, string>; tensors: Record<string, FixtureTensor> }>;
  };

  it('records the torch version and seed', () => {
    expect(info.torch_version).toMatch(/^\d+\.\d+/);
    expect(typeof info.seed).toBe('number');
  });

  for (const file of ['torch_lstm_linear.safetensors', 'torch_dtypes.safetensors']) {
    it(`${file}: names, dtypes, shapes and values match the JSON written beside it`, () => {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, file)));
      expect(bytes.length).toBeLessThan(50_000);
      const parsed = parseSafetensors(bytes, { source: file });
      const expected = info.files[file]!;
      expect(parsed.metadata).toEqual(expected.metadata);
      expect([...parsed.tensors.keys()].sort()).toEqual(Object.keys(expected.tensors).sort());
      for (const [name, want] of Object.entries(expected.tensors)) {
        const got = parsed.tensors.get(name)!;
        expect(got.dtype, name).toBe(want.dtype);
        expect(got.shape, name).toEqual(want.shape);
        const isFloat = ['F32', 'F16', 'BF16', 'F64'].includes(want.dtype);
        const values = isFloat ? want.values.map(Math.fround) : want.values;
        expect(Array.from(got.data), name).toEqual(values);
      }
    });
  }

  it('torch_lstm_linear.safetensors has the PyTorch LSTM names and shapes', () => {
    const { tensors } = parseSafetensors(new Uint8Array(readFileSync(join(FIXTURES, 'torch_lstm_linear.safetensors'))));
    expect(tensors.get('lstm.weight_ih_l0')!.shape).toEqual([16, 3]);
    expect(tensors.get('lstm.weight_ih_l1_reverse')!.shape).toEqual([16, 8]);
    expect(tensors.get('lstm.weight_hh_l1')!.shape).toEqual([16, 4]);
    expect(tensors.get('lstm.bias_hh_l0_reverse')!.shape).toEqual([16]);
    expect(tensors.get('linear.weight')!.shape).toEqual([2, 4]);
    expect(tensors.size).toBe(18);
  });

  it('our serializer writes the PyTorch LSTM file byte for byte like the reference layout', () => {
    const original = new Uint8Array(readFileSync(join(FIXTURES, 'torch_lstm_linear.safetensors')));
    const { tensors, metadata } = parseSafetensors(original);
    const rewritten = serializeSafetensors(
      new Map([...tensors].map(([name, t]) => [name, { dtype: 'F32' as const, shape: t.shape, data: t.data }])),
      metadata,
    );
    expect(Buffer.from(rewritten).equals(Buffer.from(original))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------
// PyTorch reads what we write (needs /usr/bin/python3 with torch; skipped otherwise).

const PYTHON = '/usr/bin/python3';
const torchProbe = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 }) : undefined;
const torchMissing = !existsSync(PYTHON)
  ? `${PYTHON} not found`
  : torchProbe!.status !== 0
    ? `${PYTHON} cannot import torch (${(torchProbe!.stderr || String(torchProbe!.error ?? '')).trim().split('\n').pop()})`
    : undefined;
const skipNote = torchMissing ? ` [skipped: ${torchMissing}]` : '';

describe('PyTorch reads files written by serializeSafetensors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellstate-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const tensors = new Map<string, SafetensorsWritableTensor>([
    ['lstm.weight_ih_l0', { dtype: 'F32', shape: [8, 3], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 0.5) }],
    ['lstm.bias_ih_l0', { dtype: 'F32', shape: [8], data: Float32Array.from({ length: 8 }, (_, i) => i / 7 - 0.5) }],
    ['labels', { dtype: 'I32', shape: [2, 2], data: new Int32Array([3, -1, 2147483647, -2147483648]) }],
    ['scalar', { dtype: 'F32', shape: [], data: [2.5] }],
  ]);

  it.skipIf(!!torchMissing)(`names, dtypes, shapes, sums and values agree${skipNote}`, () => {
    const path = join(dir, 'ours.safetensors');
    writeFileSync(path, serializeSafetensors(tensors, { format: 'pt', by: 'cellstate' }));
    const run = spawnSync(PYTHON, [join(REPO, 'tools/fixtures/read_safetensors.py'), path], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as {
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; sum: number; values: number[] }>;
    };
    expect(out.metadata).toEqual({ format: 'pt', by: 'cellstate' });
    expect(Object.keys(out.tensors).sort()).toEqual([...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      const got = out.tensors[name]!;
      const data = t.dtype === 'F32' ? Float32Array.from(t.data) : Int32Array.from(t.data);
      expect(got.dtype, name).toBe(t.dtype);
      expect(got.shape, name).toEqual(t.shape);
      expect(got.sum, name).toBeCloseTo(Array.from(data).reduce((a, b) => a + b, 0), 9);
      expect(got.values, name).toEqual(Array.from(data.subarray(0, 8)));
    }
  }, 60_000);

  it.skipIf(!!torchMissing)(`the fixture generator's --check mode reads our file${skipNote}`, () => {
    const path = join(dir, 'check.safetensors');
    writeFileSync(path, serializeSafetensors(tensors));
    const run = spawnSync(PYTHON, [join(REPO, 'tools/fixtures/make_safetensors_fixtures.py'), '--check', path], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { tensors: Record<string, { shape: number[] }> };
    expect(out.tensors['labels']!.shape).toEqual([2, 2]);
  }, 60_000);

  it.skipIf(!!torchMissing)(`the reader rejects a truncated file${skipNote}`, () => {
    const path = join(dir, 'cut.safetensors');
    const bytes = serializeSafetensors(tensors);
    writeFileSync(path, bytes.subarray(0, bytes.length - 4));
    const run = spawnSync(PYTHON, [join(REPO, 'tools/fixtures/read_safetensors.py'), path], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/error:/);
  }, 60_000);
});
