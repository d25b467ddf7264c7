import '@cellstate/backend-cpu';
import { readMany, ready, tensor } from '@cellstate/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { Module } from '../module.js';
import { normalValues } from '../host-random.js';
import { CheckpointError } from './errors.js';
import { dequantizeRowsQ8, floatToHalf, halfToFloat, narrowTensors, quantizeRowsQ8, Q8_SCALE_SUFFIX, QUANTIZED_KEY } from './quantize.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsWritableTensor } from './safetensors.js';
import { decodeInto, encodeModel } from './state.js';
import { refusalOf } from './test-helpers.js';

beforeAll(async () => {
  await ready();
});

/**
 * Reference rounding, by search instead of bit manipulation: the value of every finite
 * positive half from the IEEE 754 definition, then the nearest one to x (ties to the
 * even bit pattern), or Infinity from 65520 (= 65504 + half an ulp) up.
 */
const HALVES = Array.from({ length: 0x7c00 }, (_, h) => {
  const e = h >> 10;
  const f = h & 0x3ff;
  return e === 0 ? f / 1024 * 2 ** -14 : (1 + f / 1024) * 2 ** (e - 15);
});
function referenceHalf(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  let lo = 0;
  let hi = HALVES.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (HALVES[mid]! <= a) lo = mid;
    else hi = mid;
  }
  if (a >= HALVES[hi]!) return sign | hi;
  const below = a - HALVES[lo]!;
  const above = HALVES[hi]! - a;
  return sign | (below < above ? lo : above < below ? hi : lo % 2 === 0 ? lo : hi);
}

describe('floatToHalf', () => {
  it('rounds like the reference on random float32 values of every magnitude, and on every tie between halves', () => {
    const wrong: number[] = [];
    const normals = normalValues(7, 20000);
    normals.forEach((n, i) => {
      const x = Math.fround(n * 2 ** ((i % 50) - 30));
      if (floatToHalf(x) !== referenceHalf(x)) wrong.push(x);
    });
    for (let h = 0; h < 0x7bff; h++) {
      const tie = (HALVES[h]! + HALVES[h + 1]!) / 2; // needs 12 significant bits: a float32
      if (floatToHalf(tie) !== referenceHalf(tie) || floatToHalf(-tie) !== referenceHalf(-tie)) wrong.push(tie);
    }
    expect(wrong).toEqual([]);
    expect([floatToHalf(65519.996), floatToHalf(65520), floatToHalf(-Infinity), floatToHalf(2 ** -25), floatToHalf(-0)]).toEqual([0x7bff, 0x7c00, 0xfc00, 0, 0x8000]);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
  });

  it('halfToFloat inverts it on every half', () => {
    for (let h = 0; h < 0x7c00; h++) expect(floatToHalf(halfToFloat(h | 0x8000))).toBe(h | 0x8000);
  });
});

describe('per-row int8 (Q8)', () => {
  it('puts each value within half a step of its row, the row maximum at ±127; an all-zero row has scale 1', () => {
    const rows = 5;
    const cols = 64;
    const data = Float32Array.from(normalValues(3, rows * cols), (v, i) => v * 10 ** ((i / cols) % 3 | 0) * (i < cols ? 0 : 1));
    const { q, scales } = quantizeRowsQ8(data, rows, cols);
    const back = dequantizeRowsQ8(q, scales, rows, cols);
    expect(scales[0]).toBe(1);
    expect(Array.from(q.subarray(0, cols)).every((v) => v === 0)).toBe(true);
    for (let r = 1; r < rows; r++) {
      const row = data.subarray(r * cols, (r + 1) * cols);
      const max = Math.max(...Array.from(row, Math.abs));
      expect(scales[r]).toBe(Math.fround(max / 127));
      expect(Math.max(...Array.from(q.subarray(r * cols, (r + 1) * cols), Math.abs))).toBe(127);
      for (let c = 0; c < cols; c++) {
        expect(back[r * cols + c]).toBe(Math.fround(q[r * cols + c]! * scales[r]!));
        expect(Math.abs(back[r * cols + c]! - row[c]!)).toBeLessThanOrEqual(max / 254 + max * 2 ** -23);
      }
    }
  });

  it('narrowTensors quantizes 2-D tensors of at least 1024 values (or what `quantize` picks), the rest F16', () => {
    const big = new Float32Array(32 * 32).fill(0.5);
    const small = new Float32Array(4 * 4).fill(0.25);
    const named = [['big', [32, 32], big], ['small', [4, 4], small], ['vector', [2048], new Float32Array(2048)]] as const;
    const q8 = narrowTensors(named, 'Q8');
    expect(q8.quantized).toEqual(['big']);
    expect([...q8.tensors].map(([n, t]) => `${n}:${t.dtype}`)).toEqual(['big:I8', `big${Q8_SCALE_SUFFIX}:F32`, 'small:F16', 'vector:F16']);
    expect(narrowTensors(named, 'Q8', { quantize: (name) => name === 'small' }).quantized).toEqual(['small']);
    expect([...narrowTensors(named, 'F32').tensors.values()].map((t) => t.dtype)).toEqual(['F32', 'F32', 'F32']);
  });
});

describe('serializeSafetensors writes F16 and I8', () => {
  it('round-trips through parseSafetensors; insertion order keeps the map order', () => {
    const tensors = new Map<string, SafetensorsWritableTensor>([
      ['z', { dtype: 'F16', shape: [3], data: new Float32Array([1, -0.1, 65504]) }],
      ['a', { dtype: 'I8', shape: [2, 2], data: new Int8Array([-128, 127, 0, -1]) }],
      ['m', { dtype: 'I8', shape: [2], data: [5, -5] }],
    ]);
    const byName = parseSafetensors(serializeSafetensors(tensors, { k: 'v' }));
    expect([...byName.tensors.keys()]).toEqual(['a', 'm', 'z']);
    expect(Array.from(byName.tensors.get('z')!.data)).toEqual([1, halfToFloat(floatToHalf(-0.1)), 65504]);
    expect(Array.from(byName.tensors.get('a')!.data)).toEqual([-128, 127, 0, -1]);
    expect(Array.from(byName.tensors.get('m')!.data)).toEqual([5, -5]);
    expect(byName.metadata).toEqual({ k: 'v' });
    expect([...parseSafetensors(serializeSafetensors(tensors, {}, { order: 'insertion' })).tensors.keys()]).toEqual(['z', 'a', 'm']);
  });
});

/** A matrix worth quantizing, a small one and a vector; all zero with `zero`. */
class TwoLayers extends Module {
  constructor(zero = false) {
    super();
    const init = (seed: number, shape: number[]) => tensor(zero ? new Float32Array(shape[0]! * (shape[1] ?? 1)) : Float32Array.from(normalValues(seed, shape[0]! * (shape[1] ?? 1))), shape);
    this.addParameter('weight', init(11, [48, 32]));
    this.addParameter('head', init(12, [3, 8]));
    this.addParameter('bias', init(13, [3]));
  }
}

async function values(m: Module): Promise<Float32Array[]> {
  return (await readMany(m.namedParameters().map(([, p]) => p.value))) as Float32Array[];
}

describe("encodeModel's dtype and decodeInto", () => {
  it("'Q8' lists the int8 matrices in the metadata and loads back within half a step per row; 'F16' within half precision", async () => {
    const model = new TwoLayers();
    const original = await values(model);
    const q8 = await encodeModel(model, { dtype: 'Q8' });
    const parsed = parseSafetensors(q8);
    expect(JSON.parse(parsed.metadata[QUANTIZED_KEY]!)).toEqual(['weight']);
    expect([...parsed.tensors].map(([n, t]) => `${n}:${t.dtype}`)).toEqual(['bias:F16', 'head:F16', 'weight:I8', `weight${Q8_SCALE_SUFFIX}:F32`]);
    const f16 = await encodeModel(model, { dtype: 'F16' });
    expect(f16.length).toBeLessThan((await encodeModel(model)).length * 0.6);
    expect(parseSafetensors(f16).metadata[QUANTIZED_KEY]).toBeUndefined();

    const again = new TwoLayers(true);
    await decodeInto(again, q8, { source: 'q8' });
    const loaded = await values(again);
    const w = original[0]!;
    for (let r = 0; r < 48; r++) {
      const step = Math.max(...Array.from(w.subarray(r * 32, (r + 1) * 32), Math.abs)) / 127;
      for (let c = 0; c < 32; c++) expect(Math.abs(loaded[0]![r * 32 + c]! - w[r * 32 + c]!)).toBeLessThanOrEqual(step / 2 + 1e-6);
    }
    original.slice(1).forEach((o, i) => o.forEach((v, j) => expect(Math.abs(loaded[i + 1]![j]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11)));
    expect(JSON.parse(parseSafetensors(await encodeModel(model, { dtype: 'Q8', quantize: (n) => n === 'head' })).metadata[QUANTIZED_KEY]!)).toEqual(['head']);
  });

  it('a broken Q8 file is a CheckpointError naming the tensor, and the model keeps its values', async () => {
    const model = new TwoLayers();
    const before = await values(model);
    const { tensors, metadata } = parseSafetensors(await encodeModel(model, { dtype: 'Q8' }));
    const rewrite = (meta: Record<string, string>, drop?: string) => {
      const out = new Map<string, SafetensorsWritableTensor>();
      for (const [n, t] of tensors) if (n !== drop) out.set(n, { dtype: t.dtype === 'I8' ? 'I8' : 'F32', shape: t.shape, data: t.data });
      return serializeSafetensors(out, meta);
    };
    const refusal = (bytes: Uint8Array) => refusalOf(model, bytes);
    const noScale = await refusal(rewrite(metadata, `weight${Q8_SCALE_SUFFIX}`));
    expect([noScale.code, noScale.message]).toEqual(['mismatch', expect.stringMatching(/quantized tensor 'weight' needs a float scale tensor 'weight.q8_scale' of shape \[48\].*bad.safetensors/)]);
    const notListed = await refusal(rewrite({ ...metadata, [QUANTIZED_KEY]: '[]' }));
    expect(notListed).toBeInstanceOf(CheckpointError);
    const notInt = await refusal(rewrite({ ...metadata, [QUANTIZED_KEY]: '["weight","head"]' }));
    expect(notInt.message).toMatch(/quantized tensor 'head' needs a float scale tensor 'head.q8_scale' of shape \[3\] \(int8\) or 'head.q4_scale' \(4-bit\)/);
    const badList = await refusal(rewrite({ ...metadata, [QUANTIZED_KEY]: '"weight"' }));
    expect(badList.code).toBe('invalid-metadata');
    expect(await values(model)).toEqual(before);
  });
});
