/**
 * 4-bit weights (`Q4`) for model files that must be small: a matrix's rows are cut
 * into groups of `Q4_GROUP` columns; each group gets a half-precision step `d` and
 * offset `m`, and each value is stored as a 4-bit code `q` in 0..15 standing for
 * `m + q · d`, two codes a byte (low nibble first). The stored tensor is
 * `U8 [rows, cols / 2]`, its scales `F16 [rows, cols / Q4_GROUP, 2]` (d, m) under
 * `<name>.q4_scale`: 5 bits a weight. This is llama.cpp's Q4_1 layout per row. Why
 * the offset and the range search (a few trimmed ranges per group, the one with the
 * least squared error wins): on the shipped translation model, llama.cpp's
 * symmetric Q4_0 (4.5 bits) left 8.2 % relative RMS error and lost 1.4 BLEU (35.00 →
 * 33.58, beam 5); this layout leaves 7.2 % and loses 0.7 (34.28). A least-squares refit
 * of each group's step and offset after the search (llama.cpp's k-quants refinement)
 * lowered the squared error further but raised the model's test perplexity (5.10 → 5.17,
 * greedy BLEU 32.73 → 32.63), so it is not done.
 * Browser-safe.
 *
 * @example
 * ```ts
 * import { quantizeGroupsQ4, dequantizeGroupsQ4 } from '@cellstate/nn';
 * const w = new Float32Array(64).map((_, i) => Math.sin(i));
 * const { q, scales } = quantizeGroupsQ4(w, 2, 32);
 * dequantizeGroupsQ4(q, scales, 2, 32); // each value within about (group max - group min) / 30
 * ```
 */
import { floatToHalf, halfToFloat } from './half.js';

/** Columns sharing one Q4 scale. */
export const Q4_GROUP = 32;

/** Name suffix of a Q4 matrix's group scales (`embedding.weight.q4_scale`). */
export const Q4_SCALE_SUFFIX = '.q4_scale';

/** Fractions of a group's range trimmed off its low and high end (0: the plain min/max range). */
const TRIMS = [0, 0.02, 0.04, 0.06, 0.08] as const;

/** Number of scale groups of a row of `cols` values. */
export function q4Groups(cols: number): number {
  return Math.ceil(cols / Q4_GROUP);
}

const toHalf = (x: number) => halfToFloat(floatToHalf(x));
const code = (x: number, m: number, d: number) => Math.min(15, Math.max(0, Math.round((x - m) / d)));

/**
 * 4-bit group quantization of a row-major `rows × cols` matrix (`cols` even): packed
 * codes (`rows · cols / 2` bytes) and per group of `Q4_GROUP` columns a step and an
 * offset (`scales[2 · (r · groups + g)]` and the value after it), already rounded to
 * half precision (the codes are chosen against the stored values).
 *
 * @example
 * ```ts
 * quantizeGroupsQ4(new Float32Array([-1, 2]), 1, 2); // { q: Uint8Array [0xf0], scales: Float32Array [0.19995, -1] } (0.2 in half precision)
 * ```
 */
export function quantizeGroupsQ4(data: ArrayLike<number>, rows: number, cols: number): { q: Uint8Array; scales: Float32Array } {
  if (cols % 2 !== 0) throw new RangeError(`quantizeGroupsQ4: cols must be even (two 4-bit codes a byte), got ${cols}`);
  const groups = q4Groups(cols);
  const q = new Uint8Array((rows * cols) / 2);
  const scales = new Float32Array(2 * rows * groups);
  const codes = new Uint8Array(cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let g = 0; g < groups; g++) {
      const start = row + g * Q4_GROUP;
      const end = row + Math.min(cols, (g + 1) * Q4_GROUP);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = start; i < end; i++) {
        lo = Math.min(lo, data[i]!);
        hi = Math.max(hi, data[i]!);
      }
      let bestD = 1;
      let bestM = toHalf(lo);
      if (hi > lo) {
        let bestError = Infinity;
        for (const a of TRIMS) {
          for (const b of TRIMS) {
            const m = toHalf(lo + a * (hi - lo));
            const d = toHalf((hi - b * (hi - lo) - m) / 15);
            if (!(d > 0) || !Number.isFinite(d)) continue;
            let error = 0;
            for (let i = start; i < end; i++) error += (data[i]! - (m + code(data[i]!, m, d) * d)) ** 2;
            if (error < bestError) {
              bestError = error;
              bestD = d;
              bestM = m;
            }
          }
        }
      }
      scales[2 * (r * groups + g)] = bestD;
      scales[2 * (r * groups + g) + 1] = bestM;
      for (let i = start; i < end; i++) codes[i - row] = code(data[i]!, bestM, bestD);
    }
    for (let c = 0; c < cols; c += 2) q[(row + c) / 2] = codes[c]! | (codes[c + 1]! << 4);
  }
  return { q, scales };
}

/**
 * The float32 matrix of a Q4 one: each group's offset plus its code times its step.
 *
 * @example
 * ```ts
 * dequantizeGroupsQ4(new Uint8Array([0xf0]), new Float32Array([0.2, -1]), 1, 2); // Float32Array [-1, 2] (to float32 rounding)
 * ```
 */
export function dequantizeGroupsQ4(q: ArrayLike<number>, scales: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const groups = q4Groups(cols);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c += 2) {
      const byte = q[(r * cols + c) / 2]!;
      const k = 2 * (r * groups + Math.floor(c / Q4_GROUP));
      const d = scales[k]!;
      const m = scales[k + 1]!;
      out[r * cols + c] = m + (byte & 15) * d;
      // cols is even and Q4_GROUP is even: both codes of a byte share a group.
      out[r * cols + c + 1] = m + (byte >> 4) * d;
    }
  }
  return out;
}
