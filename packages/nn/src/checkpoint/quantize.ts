/**
 * The narrow number formats of cellstate's model files: IEEE 754 half precision
 * (`F16`) and symmetric per-row int8 (`Q8`: one `I8` matrix plus one float32 scale
 * per row, stored as `<name>.q8_scale`). Every package that writes or reads these
 * formats goes through this module, so a file is the same bytes whichever package
 * wrote it and loads the same wherever it is read. Browser-safe.
 *
 * @example
 * ```ts
 * import { floatToHalf, halfToFloat, quantizeRowsQ8, dequantizeRowsQ8 } from '@cellstate/nn';
 * halfToFloat(floatToHalf(0.1)); // 0.0999755859375
 * const { q, scales } = quantizeRowsQ8(new Float32Array([1, -0.5, 0.25, 2]), 2, 2);
 * dequantizeRowsQ8(q, scales, 2, 2); // each value within half a step (max |row| / 254)
 * ```
 */
import { CheckpointError } from './errors.js';
import type { SafetensorsTensor, SafetensorsWritableTensor } from './safetensors-types.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * IEEE 754 binary16 bits of a float32 value, rounded to nearest, ties to even;
 * overflow gives ±Infinity, NaN stays NaN (quiet).
 *
 * @example
 * ```ts
 * floatToHalf(1); // 0x3c00
 * floatToHalf(65520); // 0x7c00 (rounds up to Infinity)
 * ```
 */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++; // a carry into the exponent is correct rounding
  return sign | half;
}

/**
 * The number IEEE 754 binary16 bits stand for (exact: every half is a float32).
 *
 * @example
 * ```ts
 * halfToFloat(0x3555); // 0.333251953125
 * ```
 */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Name suffix of a Q8 matrix's row scales (`embedding.weight.q8_scale`). */
export const Q8_SCALE_SUFFIX = '.q8_scale';

/** Matrices smaller than this are not worth quantizing (biases, tiny layers: no size to save). */
export const Q8_MIN_SIZE = 1024;

/**
 * Symmetric per-row int8 of a row-major `rows × cols` matrix: `q = round(x / s)` with
 * `s = max |row| / 127` (1 for an all-zero row), so each value comes back within half
 * a step. The scales are stored as float32.
 *
 * @example
 * ```ts
 * quantizeRowsQ8(new Float32Array([127, -63.5]), 1, 2); // { q: Int8Array [127, -64], scales: Float32Array [1] }
 * ```
 */
export function quantizeRowsQ8(data: ArrayLike<number>, rows: number, cols: number): { q: Int8Array; scales: Float32Array } {
  const q = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(data[r * cols + c]!));
    // The division uses the float64 scale: files written before the float32 store rounded it this way.
    const s = m > 0 ? m / 127 : 1;
    scales[r] = s;
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.round(data[r * cols + c]! / s);
  }
  return { q, scales };
}

/**
 * The float32 matrix of a Q8 one: each int8 value times its row's scale.
 *
 * @example
 * ```ts
 * dequantizeRowsQ8(new Int8Array([127, -64]), new Float32Array([0.5]), 1, 2); // Float32Array [63.5, -32]
 * ```
 */
export function dequantizeRowsQ8(q: ArrayLike<number>, scales: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const s = scales[r]!;
    for (let c = 0; c < cols; c++) out[r * cols + c] = q[r * cols + c]! * s;
  }
  return out;
}

/** Options of `narrowTensors`. */
export interface NarrowTensorsOptions {
  /**
   * Which matrices 'Q8' quantizes (default: every 2-D tensor of at least
   * `Q8_MIN_SIZE` elements); the rest are written as F16.
   */
  quantize?: (name: string, shape: readonly number[]) => boolean;
}

/**
 * The tensors of a file holding `named` float32 values as `dtype`: 'F32' and 'F16'
 * as they are, 'Q8' with the chosen matrices as I8 followed by their F32 row scales
 * (`<name>.q8_scale`) and everything else F16. `quantized` lists the Q8 matrices in
 * order (a file records it in its metadata so a reader knows the integers are weights).
 *
 * @example
 * ```ts
 * const { tensors, quantized } = narrowTensors([['w', [64, 32], weights]], 'Q8');
 * const bytes = serializeSafetensors(tensors, { 'cellstate.quantized': JSON.stringify(quantized) });
 * ```
 */
export function narrowTensors(named: readonly (readonly [string, readonly number[], Float32Array])[], dtype: 'F32' | 'F16' | 'Q8', options: NarrowTensorsOptions = {}): { tensors: Map<string, SafetensorsWritableTensor>; quantized: string[] } {
  const quantize = options.quantize ?? ((_: string, shape: readonly number[]) => shape.length === 2 && shape[0]! * shape[1]! >= Q8_MIN_SIZE);
  const tensors = new Map<string, SafetensorsWritableTensor>();
  const quantized: string[] = [];
  for (const [name, shape, data] of named) {
    if (dtype === 'Q8' && shape.length === 2 && quantize(name, shape)) {
      const { q, scales } = quantizeRowsQ8(data, shape[0]!, shape[1]!);
      tensors.set(name, { dtype: 'I8', shape: [...shape], data: q });
      tensors.set(`${name}${Q8_SCALE_SUFFIX}`, { dtype: 'F32', shape: [shape[0]!], data: scales });
      quantized.push(name);
    } else tensors.set(name, { dtype: dtype === 'Q8' ? 'F16' : dtype, shape: [...shape], data });
  }
  return { tensors, quantized };
}

/**
 * A parsed file's tensors with the listed Q8 matrices turned back into float32 and
 * their scale tensors dropped; other tensors are passed through. A listed matrix
 * must be a 2-D `I8` tensor with a float scale tensor of one value per row, else a
 * `CheckpointError` (code `mismatch`) names it.
 *
 * @example
 * ```ts
 * const { tensors, metadata } = parseSafetensors(bytes);
 * const floats = dequantizeTensors(tensors, JSON.parse(metadata['cellstate.quantized']!));
 * ```
 */
export function dequantizeTensors(tensors: ReadonlyMap<string, SafetensorsTensor>, quantized: Iterable<string>, source?: string): Map<string, SafetensorsTensor> {
  const listed = new Set(quantized);
  const out = new Map<string, SafetensorsTensor>();
  for (const [name, t] of tensors) {
    if (name.endsWith(Q8_SCALE_SUFFIX) && listed.has(name.slice(0, -Q8_SCALE_SUFFIX.length))) continue;
    if (!listed.has(name)) {
      out.set(name, t);
      continue;
    }
    const scales = tensors.get(`${name}${Q8_SCALE_SUFFIX}`);
    const [rows, cols] = t.shape as [number, number];
    const bad = (detail: string): never => {
      throw new CheckpointError('mismatch', `quantized tensor '${name}' ${detail}`, { source, tensor: name });
    };
    if (t.dtype !== 'I8' || t.shape.length !== 2) bad(`must be a 2-D I8 matrix, but is ${t.dtype} [${t.shape.join(', ')}]`);
    if (!scales || !(scales.data instanceof Float32Array) || scales.shape.join() !== String(rows)) bad(`needs a float scale tensor '${name}${Q8_SCALE_SUFFIX}' of shape [${rows}]`);
    out.set(name, { dtype: 'F32', shape: t.shape, data: dequantizeRowsQ8(t.data, scales!.data, rows, cols) });
  }
  for (const name of listed) if (!tensors.has(name)) throw new CheckpointError('mismatch', `quantized tensor '${name}' is listed but not in the file`, { source, tensor: name });
  return out;
}

/** Metadata key listing a file's Q8 matrices (a JSON array of tensor names); `decodeInto` reads it. */
export const QUANTIZED_KEY = 'cellstate.quantized';

/**
 * `dequantizeTensors` for the matrices the file's metadata lists under
 * `QUANTIZED_KEY`; the tensors as they are when it lists none.
 */
export function dequantizeListed(tensors: Map<string, SafetensorsTensor>, metadata: Record<string, string>, source?: string): Map<string, SafetensorsTensor> {
  const raw = metadata[QUANTIZED_KEY];
  if (raw === undefined) return tensors;
  let names: unknown;
  try {
    names = JSON.parse(raw);
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new CheckpointError('invalid-metadata', `metadata '${QUANTIZED_KEY}' must be a JSON array of tensor names`, { source });
  }
  return dequantizeTensors(tensors, names as string[], source);
}
