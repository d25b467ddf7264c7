import '@cellstate/backend-cpu';
import { readMany, ready, tensor } from '@cellstate/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { Module } from '../module.js';
import { normalValues } from '../host-random.js';
import { CheckpointError } from './errors.js';
import { floatToHalf, halfToFloat } from './half.js';
import { dequantizeGroupsQ4, Q4_GROUP, Q4_SCALE_SUFFIX, q4Groups, quantizeGroupsQ4 } from './quantize-q4.js';
import { dequantizeTensors, narrowTensors, Q8_SCALE_SUFFIX, QUANTIZED_KEY } from './quantize.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsWritableTensor } from './safetensors.js';
import { decodeInto, encodeModel } from './state.js';
import { refusalOf } from './test-helpers.js';

beforeAll(async () => {
  await ready();
});

/** Squared error of plain min/max 4-bit quantization of one group (no range search), in float64. */
function plainError(group: ArrayLike<number>): number {
  const values = Array.from(group);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (hi === lo) return 0;
  const d = (hi - lo) / 15;
  return values.reduce((e, x) => e + (x - (lo + Math.round((x - lo) / d) * d)) ** 2, 0);
}

describe('4-bit group quantization (Q4)', () => {
  const rows = 6;
  const cols = 80; // two full groups and a partial one
  // Rows of very different magnitudes, one with an outlier, one constant.
  const data = Float32Array.from(normalValues(21, rows * cols), (v, i) => {
    const r = Math.floor(i / cols);
    if (r === 4) return 0.375;
    return v * 10 ** (r - 2) + (r === 3 && i % cols === 5 ? 40 : 0);
  });
  const { q, scales } = quantizeGroupsQ4(data, rows, cols);
  const back = dequantizeGroupsQ4(q, scales, rows, cols);

  it('packs two codes a byte, low nibble first, with a half-precision step and offset per group', () => {
    expect(q.length).toBe((rows * cols) / 2);
    expect(scales.length).toBe(2 * rows * q4Groups(cols));
    expect(q4Groups(cols)).toBe(3);
    for (const s of scales) expect(halfToFloat(floatToHalf(s))).toBe(s);
    const small = quantizeGroupsQ4(new Float32Array([-1, 2]), 1, 2);
    expect(Array.from(small.q)).toEqual([0xf0]);
    expect(Array.from(small.scales)).toEqual([halfToFloat(floatToHalf(0.2)), -1]);
    // Decoding by hand from the layout: offset + code * step.
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const byte = q[(r * cols + c) >> 1]!;
        const code = c % 2 === 0 ? byte & 15 : byte >> 4;
        const k = 2 * (r * 3 + Math.floor(c / Q4_GROUP));
        expect(back[r * cols + c]).toBe(Math.fround(scales[k + 1]! + code * scales[k]!));
      }
    }
  });

  it('never does worse per group than plain min/max quantization, and a constant row comes back exactly', () => {
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < 3; g++) {
        const start = r * cols + g * Q4_GROUP;
        const end = r * cols + Math.min(cols, (g + 1) * Q4_GROUP);
        let error = 0;
        for (let i = start; i < end; i++) error += (back[i]! - data[i]!) ** 2;
        const group = data.subarray(start, end);
        const range = Math.max(...group) - Math.min(...group);
        // The stored step and offset are halves: allow their rounding (2^-11 relative) on top.
        expect(error).toBeLessThanOrEqual(plainError(group) * 1.01 + (end - start) * (range * 2 ** -10) ** 2);
      }
    }
    expect(Array.from(back.subarray(4 * cols, 5 * cols))).toEqual(new Array(cols).fill(0.375));
  });

  it('an outlier costs only its own group: the other groups of its row keep their resolution', () => {
    const rel = (start: number, end: number) => {
      let e = 0;
      let s = 0;
      for (let i = start; i < end; i++) {
        e += (back[i]! - data[i]!) ** 2;
        s += data[i]! ** 2;
      }
      return Math.sqrt(e / s);
    };
    // Row 3's first group holds the outlier (40 against values ~10); its other groups are ordinary.
    expect(rel(3 * cols + Q4_GROUP, 4 * cols)).toBeLessThan(0.12);
    expect(rel(3 * cols, 3 * cols + Q4_GROUP)).toBeLessThan(0.12);
    expect(rel(2 * cols, 3 * cols)).toBeLessThan(0.12);
  });

  it('refuses an odd number of columns, and narrowTensors stores such a matrix as Q8 instead', () => {
    expect(() => quantizeGroupsQ4(new Float32Array(3), 1, 3)).toThrow(/cols must be even/);
    const named = [['even', [40, 32], Float32Array.from(normalValues(4, 1280))], ['odd', [32, 33], Float32Array.from(normalValues(5, 1056))], ['vector', [2048], new Float32Array(2048)]] as const;
    const { tensors, quantized } = narrowTensors(named, 'Q4');
    expect(quantized).toEqual(['even', 'odd']);
    expect([...tensors].map(([n, t]) => `${n}:${t.dtype}:${t.shape.join('x')}`)).toEqual([
      'even:U8:40x16',
      `even${Q4_SCALE_SUFFIX}:F16:40x1x2`,
      'odd:I8:32x33',
      `odd${Q8_SCALE_SUFFIX}:F32:32`,
      'vector:F16:2048',
    ]);
    const parsed = parseSafetensors(serializeSafetensors(tensors));
    const floats = dequantizeTensors(parsed.tensors, quantized);
    expect([...floats.keys()].sort()).toEqual(['even', 'odd', 'vector']);
    expect(floats.get('even')!.shape).toEqual([40, 32]);
    const direct = quantizeGroupsQ4(named[0][2], 40, 32);
    expect(Array.from(floats.get('even')!.data)).toEqual(Array.from(dequantizeGroupsQ4(direct.q, direct.scales, 40, 32)));
  });
});

class Layers extends Module {
  constructor(zero = false) {
    super();
    const init = (seed: number, shape: number[]) => tensor(zero ? new Float32Array(shape[0]! * (shape[1] ?? 1)) : Float32Array.from(normalValues(seed, shape[0]! * (shape[1] ?? 1))), shape);
    this.addParameter('weight', init(31, [48, 64]));
    this.addParameter('bias', init(32, [3]));
  }
}

describe("encodeModel's 'Q4' and decodeInto", () => {
  it('loads back what dequantizeGroupsQ4 gives, in a file of about 5/32 of float32 for the matrix', async () => {
    const model = new Layers();
    const [w] = (await readMany(model.namedParameters().map(([, p]) => p.value))) as Float32Array[];
    const bytes = await encodeModel(model, { dtype: 'Q4' });
    const parsed = parseSafetensors(bytes);
    expect(JSON.parse(parsed.metadata[QUANTIZED_KEY]!)).toEqual(['weight']);
    expect(parsed.tensors.get('weight')!.dtype).toBe('U8');
    const again = new Layers(true);
    await decodeInto(again, bytes, { source: 'q4' });
    const [loaded] = (await readMany(again.namedParameters().map(([, p]) => p.value))) as Float32Array[];
    const { q, scales } = quantizeGroupsQ4(w!, 48, 64);
    expect(Array.from(loaded!)).toEqual(Array.from(dequantizeGroupsQ4(q, scales, 48, 64)));
    const f32 = await encodeModel(model);
    // 48 x 64 codes at half a byte plus 48 x 2 groups x 2 halves: 1536 + 384 bytes for float32's 12288 (5/32), plus headers.
    expect(bytes.length).toBeLessThan((f32.length * 5) / 32 + 600);
  });

  it('a broken Q4 file is a CheckpointError naming the tensor and what is wrong, and the model keeps its values', async () => {
    const model = new Layers();
    const before = await readMany(model.namedParameters().map(([, p]) => p.value));
    const { tensors, metadata } = parseSafetensors(await encodeModel(model, { dtype: 'Q4' }));
    const rewrite = (change: (out: Map<string, SafetensorsWritableTensor>) => void) => {
      const out = new Map<string, SafetensorsWritableTensor>();
      for (const [n, t] of tensors) out.set(n, { dtype: t.dtype === 'U8' ? 'U8' : 'F32', shape: t.shape, data: t.dtype === 'U8' ? Uint8Array.from(t.data) : t.data });
      change(out);
      return serializeSafetensors(out, metadata);
    };
    const refusal = (bytes: Uint8Array) => refusalOf(model, bytes);
    const scale = `weight${Q4_SCALE_SUFFIX}`;
    const wrongShape = await refusal(rewrite((o) => o.set(scale, { dtype: 'F32', shape: [48, 4], data: new Float32Array(192) })));
    expect([wrongShape.code, wrongShape.message]).toEqual(['mismatch', expect.stringMatching(/quantized tensor 'weight' needs a float scale tensor 'weight.q4_scale' of shape \[48, 2, 2\].*bad.safetensors/)]);
    const both = await refusal(rewrite((o) => o.set(`weight${Q8_SCALE_SUFFIX}`, { dtype: 'F32', shape: [48], data: new Float32Array(48) })));
    expect(both.message).toMatch(/quantized tensor 'weight' has both a '.q8_scale' and a '.q4_scale' scale tensor/);
    const notU8 = await refusal(rewrite((o) => o.set('weight', { dtype: 'I8', shape: [48, 32], data: new Int8Array(48 * 32) })));
    expect(notU8.message).toMatch(/quantized tensor 'weight' is stored as Q4 \(it has 'weight.q4_scale'\) and must be U8, but is I8/);
    const wrongWidth = await refusal(rewrite((o) => o.set('weight', { dtype: 'U8', shape: [48, 16], data: new Uint8Array(48 * 16) })));
    expect(wrongWidth.message).toMatch(/needs a float scale tensor|the model needs \[48, 64\]/);
    expect(await readMany(model.namedParameters().map(([, p]) => p.value))).toEqual(before);
  });
});
