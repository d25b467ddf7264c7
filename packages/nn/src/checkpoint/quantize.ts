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
import { dequantizeGroupsQ4, q4Groups, Q4_SCALE_SUFFIX, quantizeGroupsQ4 } from './quantize-q4.js';

export { floatToHalf, halfToFloat } from './half.js';

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
   * Which matrices 'Q8' and 'Q4' quantize (default: every 2-D tensor of at least
   * `Q8_MIN_SIZE` elements); the rest are written as F16.
   */
  quantize?: (name: string, shape: readonly number[]) => boolean;
}

/** How a file stores float parameters: see `narrowTensors`. */
export type WeightsFileDType = 'F32' | 'F16' | 'Q8' | 'Q4';

/**
 * The tensors of a file holding `named` float32 values as `dtype`: 'F32' and 'F16'
 * as they are, 'Q8' with the chosen matrices as I8 followed by their F32 row scales
 * (`<name>.q8_scale`) and everything else F16, 'Q4' likewise with the chosen matrices
 * as packed 4-bit codes and F16 group steps and offsets (`<name>.q4_scale`, see quantize-q4.ts;
 * a matrix with an odd number of columns falls back to Q8). `quantized` lists the
 * quantized matrices in order (a file records it in its metadata so a reader knows
 * the integers are weights); each one's scale tensor says which format it is in.
 *
 * @example
 * ```ts
 * const { tensors, quantized } = narrowTensors([['w', [64, 32], weights]], 'Q8');
 * const bytes = serializeSafetensors(tensors, { 'cellstate.quantized': JSON.stringify(quantized) });
 * ```
 */
export function narrowTensors(named: readonly (readonly [string, readonly number[], Float32Array])[], dtype: WeightsFileDType, options: NarrowTensorsOptions = {}): { tensors: Map<string, SafetensorsWritableTensor>; quantized: string[] } {
  const quantize = options.quantize ?? ((_: string, shape: readonly number[]) => shape.length === 2 && shape[0]! * shape[1]! >= Q8_MIN_SIZE);
  const tensors = new Map<string, SafetensorsWritableTensor>();
  const quantized: string[] = [];
  const narrowed = dtype === 'Q8' || dtype === 'Q4';
  for (const [name, shape, data] of named) {
    if (narrowed && shape.length === 2 && quantize(name, shape)) {
      const [rows, cols] = shape as [number, number];
      if (dtype === 'Q4' && cols % 2 === 0) {
        const { q, scales } = quantizeGroupsQ4(data, rows, cols);
        tensors.set(name, { dtype: 'U8', shape: [rows, cols / 2], data: q });
        tensors.set(`${name}${Q4_SCALE_SUFFIX}`, { dtype: 'F16', shape: [rows, q4Groups(cols), 2], data: scales });
      } else {
        const { q, scales } = quantizeRowsQ8(data, rows, cols);
        tensors.set(name, { dtype: 'I8', shape: [...shape], data: q });
        tensors.set(`${name}${Q8_SCALE_SUFFIX}`, { dtype: 'F32', shape: [rows], data: scales });
      }
      quantized.push(name);
    } else tensors.set(name, { dtype: narrowed ? 'F16' : (dtype as 'F32' | 'F16'), shape: [...shape], data });
  }
  return { tensors, quantized };
}

/**
 * The float32 values of one quantized matrix of a parsed file, whichever of the two
 * formats it is stored in (its scale tensor's suffix says which), or a string saying
 * what is wrong with it. `expected` is the matrix's logical shape where the reader
 * knows it (a model's parameter); without it a Q4 matrix is `[rows, 2 · stored cols]`.
 */
export function dequantizeMatrix(name: string, tensors: ReadonlyMap<string, SafetensorsTensor>, expected?: readonly number[]): { shape: number[]; data: Float32Array } | string {
  const t = tensors.get(name);
  if (!t) return 'is listed but not in the file';
  const q8 = tensors.get(`${name}${Q8_SCALE_SUFFIX}`);
  const q4 = tensors.get(`${name}${Q4_SCALE_SUFFIX}`);
  if (q8 && q4) return `has both a '${Q8_SCALE_SUFFIX}' and a '${Q4_SCALE_SUFFIX}' scale tensor`;
  if (t.shape.length !== 2) return `must be a 2-D matrix, but is ${t.dtype} [${t.shape.join(', ')}]`;
  const rows = t.shape[0]!;
  if (!q8 && !q4) return `needs a float scale tensor '${name}${Q8_SCALE_SUFFIX}' of shape [${rows}] (int8) or '${name}${Q4_SCALE_SUFFIX}' (4-bit)`;
  if (q4) {
    const cols = 2 * t.shape[1]!;
    if (t.dtype !== 'U8') return `is stored as Q4 (it has '${name}${Q4_SCALE_SUFFIX}') and must be U8, but is ${t.dtype}`;
    if (expected && (expected.length !== 2 || expected[0] !== rows || expected[1] !== cols)) return `holds a Q4 [${rows}, ${cols}] matrix, the model needs [${expected.join(', ')}]`;
    if (!(q4.data instanceof Float32Array) || q4.shape.join() !== `${rows},${q4Groups(cols)},2`) return `needs a float scale tensor '${name}${Q4_SCALE_SUFFIX}' of shape [${rows}, ${q4Groups(cols)}, 2]`;
    return { shape: [rows, cols], data: dequantizeGroupsQ4(t.data, q4.data, rows, cols) };
  }
  const cols = t.shape[1]!;
  if (t.dtype !== 'I8') return `must be a 2-D I8 matrix, but is ${t.dtype} [${t.shape.join(', ')}]`;
  if (expected && expected.join() !== t.shape.join()) return `is [${t.shape.join(', ')}], the model needs [${expected.join(', ')}]`;
  if (!(q8!.data instanceof Float32Array) || q8!.shape.join() !== String(rows)) return `needs a float scale tensor '${name}${Q8_SCALE_SUFFIX}' of shape [${rows}]`;
  return { shape: [rows, cols], data: dequantizeRowsQ8(t.data, q8!.data, rows, cols) };
}

/** The scale suffix (`.q8_scale` or `.q4_scale`) `name` ends with, if any. */
export function scaleSuffixOf(name: string): string | undefined {
  return [Q8_SCALE_SUFFIX, Q4_SCALE_SUFFIX].find((suffix) => name.endsWith(suffix));
}

/** Whether `name` is the scale tensor of a matrix in `listed`. */
function isScaleOf(name: string, listed: ReadonlySet<string>): boolean {
  const suffix = scaleSuffixOf(name);
  return suffix !== undefined && listed.has(name.slice(0, -suffix.length));
}

/**
 * A parsed file's tensors with the listed quantized matrices (Q8 or Q4) turned back
 * into float32 and their scale tensors dropped; other tensors are passed through. A
 * listed matrix must be a 2-D `I8` tensor with a float scale of one value per row, or
 * a 2-D `U8` one with a float scale per group, else a `CheckpointError` (code
 * `mismatch`) names it.
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
  for (const name of listed) if (!tensors.has(name)) throw new CheckpointError('mismatch', `quantized tensor '${name}' is listed but not in the file`, { source, tensor: name });
  for (const [name, t] of tensors) {
    if (isScaleOf(name, listed)) continue;
    if (!listed.has(name)) {
      out.set(name, t);
      continue;
    }
    const m = dequantizeMatrix(name, tensors);
    if (typeof m === 'string') throw new CheckpointError('mismatch', `quantized tensor '${name}' ${m}`, { source, tensor: name });
    out.set(name, { dtype: 'F32', shape: m.shape, data: m.data });
  }
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
