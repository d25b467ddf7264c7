import { lstmReserveLayout } from '@cellstate/tensor/backend-kit';
import { gemmNT } from './matmul.js';

/**
 * Fused LSTM sequence forward (cuDNN plan, architecture §3). Letters: T steps, B batch,
 * I input size, H hidden size; gate order i, f, g, o (PyTorch).
 *
 *     x [T,B,I], wIh [4H,I], wHh [4H,H], bias [4H], h0 [B,H], c0 [B,H], lengths int32 [B] | null
 *       -> y [T,B,H], hT [B,H], cT [B,H], reserve [7·T·B·H] (layout: `lstmReserveLayout`)
 *
 * 1. One GEMM for the input projection of all steps, written straight into the gate
 *    section of the reserve: gates [T·B, 4H] = x · wIhᵀ + bias.
 * 2. Per step t (t = 0..T-1, or T-1..0 with `reverse`): gates[t] += h · wHhᵀ (one GEMM,
 *    wHh rows read contiguously), then the gate math row by row, in place:
 *    i, f, g, o = σ, σ, tanh, σ;  c' = f⊙c + i⊙g;  h' = o⊙tanh(c').
 *    A sample with t >= lengths[b] keeps h and c and outputs y[t, b] = 0.
 *
 * The state lives in hT / cT from the start (float32, as the composed ops round it);
 * no buffer is allocated inside the time loop.
 */

/** Stable logistic: never evaluates exp of a large positive number. */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/**
 * x [T,B,I], wIh [4H,I], wHh [4H,H], bias [4H], h0, c0 [B,H], lengths [B] | null
 * -> y [T,B,H], hT, cT [B,H], reserve [7·T·B·H] (all outputs preallocated by the caller;
 * y and reserve may hold anything, every element is written).
 */
export function lstmSequence(
  x: Float32Array, wIh: Float32Array, wHh: Float32Array, bias: Float32Array, h0: Float32Array, c0: Float32Array,
  lengths: Int32Array | null, reverse: boolean,
  T: number, B: number, I: number, H: number,
  y: Float32Array, hT: Float32Array, cT: Float32Array, reserve: Float32Array,
): void {
  const G = 4 * H;
  const layout = lstmReserveLayout(T, B, H);
  // 1. gates [T·B, 4H] = x [T·B, I] · wIhᵀ + bias
  gemmNT(T * B, G, I, x, 0, I, wIh, 0, I, reserve, layout.gates, G, false, bias);
  lstmSteps(wHh, h0, c0, lengths, reverse, T, B, H, y, hT, cT, reserve);
}

/**
 * `lstmSequence` with the input projection folded into `table` [V, 4H]: the gates of
 * row (t, b) start as table row ids[t·B + b] (zeros for an id outside [0, V), as gather
 * reads it). Same outputs and reserve layout.
 */
export function lstmSequenceEmbedded(
  table: Float32Array, ids: Int32Array, V: number, wHh: Float32Array, h0: Float32Array, c0: Float32Array,
  lengths: Int32Array | null, reverse: boolean,
  T: number, B: number, H: number,
  y: Float32Array, hT: Float32Array, cT: Float32Array, reserve: Float32Array,
): void {
  const G = 4 * H;
  const gates = lstmReserveLayout(T, B, H).gates;
  for (let r = 0; r < T * B; r++) {
    const id = ids[r]!;
    if (id >= 0 && id < V) reserve.set(table.subarray(id * G, (id + 1) * G), gates + r * G);
    else reserve.fill(0, gates + r * G, gates + (r + 1) * G);
  }
  lstmSteps(wHh, h0, c0, lengths, reverse, T, B, H, y, hT, cT, reserve);
}

/** Step 2 of the forward, over input gates already in the reserve's gate section. */
function lstmSteps(
  wHh: Float32Array, h0: Float32Array, c0: Float32Array, lengths: Int32Array | null, reverse: boolean,
  T: number, B: number, H: number,
  y: Float32Array, hT: Float32Array, cT: Float32Array, reserve: Float32Array,
): void {
  const G = 4 * H;
  const layout = lstmReserveLayout(T, B, H);
  const h = hT;
  const c = cT;
  h.set(h0.subarray(0, B * H));
  c.set(c0.subarray(0, B * H));
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const gRow0 = layout.gates + t * B * G;
    // 2a. gates[t] [B, 4H] += h [B, H] · wHhᵀ
    gemmNT(B, G, H, h, 0, H, wHh, 0, H, reserve, gRow0, G, true, null);
    // 2b. gate math, one sample at a time
    for (let b = 0; b < B; b++) {
      const live = lengths === null || t < lengths[b]!;
      const g = gRow0 + b * G; // i at g, f at g+H, g at g+2H, o at g+3H
      const st = b * H; // row b of h and c
      const r = (t * B + b) * H; // row (t, b) of y and the [T·B, H] reserve sections
      const cp = layout.cPrev + r;
      const tc = layout.tanhC + r;
      const hp = layout.hPrev + r;
      if (live) {
        for (let j = 0; j < H; j++) {
          const gi = sigmoid(reserve[g + j]!);
          const gf = sigmoid(reserve[g + H + j]!);
          const gg = Math.tanh(reserve[g + 2 * H + j]!);
          const go = sigmoid(reserve[g + 3 * H + j]!);
          const cOld = c[st + j]!;
          const cNew = Math.fround(gf * cOld + gi * gg);
          const tanhC = Math.tanh(cNew);
          const hNew = go * tanhC;
          reserve[g + j] = gi;
          reserve[g + H + j] = gf;
          reserve[g + 2 * H + j] = gg;
          reserve[g + 3 * H + j] = go;
          reserve[cp + j] = cOld;
          reserve[tc + j] = tanhC;
          reserve[hp + j] = h[st + j]!;
          c[st + j] = cNew;
          h[st + j] = hNew;
          y[r + j] = hNew;
        }
      } else {
        // Masked step: state carried, y = 0, nothing for the backward to read.
        reserve.fill(0, g, g + G);
        reserve.fill(0, cp, cp + H);
        reserve.fill(0, tc, tc + H);
        reserve.fill(0, hp, hp + H);
        y.fill(0, r, r + H);
      }
    }
  }
}
