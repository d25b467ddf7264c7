import { CheckpointError } from '@cellstate/nn';
import { readMany, type Tensor } from '@cellstate/tensor';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, round to nearest even; overflow gives ±Infinity, NaN stays NaN. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++; // a carry into the exponent is correct rounding
  return sign | half;
}

/**
 * Serializes named tensors as a safetensors file with F16 (or F32) data. `@cellstate/nn`'s
 * `decodeInto` reads F16 into float32 parameters, so a model saved this way loads like any
 * other checkpoint at half the size. Values that are NaN or ±Infinity are refused with a
 * `CheckpointError` (code `non-finite`) unless `allowNonFinite`.
 */
export async function encodeSafetensors(entries: readonly (readonly [string, Tensor])[], options: { dtype?: 'F16' | 'F32'; metadata?: Record<string, string>; allowNonFinite?: boolean } = {}): Promise<Uint8Array> {
  const dtype = options.dtype ?? 'F16';
  const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const values = (await readMany(sorted.map(([, t]) => t))) as Float32Array[];
  if (!options.allowNonFinite) {
    // A diverged model must never replace a good file (or become the "best" epoch).
    values.forEach((v, i) => {
      const bad = v.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new CheckpointError('non-finite', `cannot write: tensor '${sorted[i]![0]}' holds ${v[bad]} at index ${bad}; a diverged model is not saved`, { tensor: sorted[i]![0] });
    });
  }
  const size = dtype === 'F16' ? 2 : 4;
  const header: Record<string, unknown> = {};
  if (options.metadata) header.__metadata__ = options.metadata;
  let offset = 0;
  sorted.forEach(([name, t], i) => {
    if (t.dtype !== 'float32') throw new TypeError(`encodeSafetensors: '${name}' is ${t.dtype}; only float32 tensors are written`);
    const bytes = values[i]!.length * size;
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let p = 8 + padded;
  for (const v of values) {
    if (dtype === 'F16') for (let i = 0; i < v.length; i++, p += 2) view.setUint16(p, floatToHalf(v[i]!), true);
    else for (let i = 0; i < v.length; i++, p += 4) view.setFloat32(p, v[i]!, true);
  }
  return out;
}
