import { gruReserveLayout } from '@cellstate/tensor/backend-kit';
import { sigmoid } from './lstm-sequence.js';
import { gemmNT } from './matmul.js';

/** `gemmNT`'s signature: the fused GRU kernels take it so the backend can pass the WebAssembly GEMM. */
export type GemmNT = typeof gemmNT;

/**
 * Fused GRU sequence forward (PyTorch's nn.GRU, gates r, z, n). Letters: T steps, B
 * batch, I input size, H hidden size.
 *
 *     x [T,B,I], wIh [3H,I], wHh [3H,H], bIh [3H], bHh [3H], h0 [B,H], lengths int32 [B] | null
 *       -> y [T,B,H], hT [B,H], reserve [5·T·B·H] (layout: `gruReserveLayout`)
 *
 * 1. One GEMM for the input projection of all steps: gx [T·B, 3H] = x · wIhᵀ + bIh.
 * 2. Per step t (t = 0..T-1, or T-1..0 with `reverse`): gh [B, 3H] = h · wHhᵀ + bHh
 *    (one GEMM), then the gate math row by row:
 *    r, z = σ(gx + gh);  n = tanh(gx_n + r ⊙ gh_n);  h' = n + z ⊙ (h − n).
 *    The recurrent bias b_hn sits inside r's product, so it cannot join bIh in one sum
 *    (unlike the LSTM's single bias). A sample with t >= lengths[b] keeps h, outputs
 *    y[t, b] = 0 and stores zeros in the reserve.
 *
 * The state lives in hT from the start; gx and gh are the only scratch buffers.
 */
export function gruSequence(
  gemm: GemmNT,
  x: Float32Array, wIh: Float32Array, wHh: Float32Array, bIh: Float32Array, bHh: Float32Array, h0: Float32Array,
  lengths: Int32Array | null, reverse: boolean,
  T: number, B: number, I: number, H: number,
  y: Float32Array, hT: Float32Array, reserve: Float32Array,
): void {
  const G = 3 * H;
  const layout = gruReserveLayout(T, B, H);
  const h = hT;
  h.set(h0.subarray(0, B * H));
  if (T === 0 || B === 0) return;
  const gx = new Float32Array(T * B * G);
  if (H > 0) gemm(T * B, G, I, x, 0, I, wIh, 0, I, gx, 0, G, false, bIh);
  const gh = new Float32Array(B * G);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    if (H > 0) gemm(B, G, H, h, 0, H, wHh, 0, H, gh, 0, G, false, bHh);
    for (let b = 0; b < B; b++) {
      const row = (t * B + b) * H; // row (t, b) of y and of every reserve section
      if (lengths !== null && !(t < lengths[b]!)) {
        for (const section of [layout.r, layout.z, layout.n, layout.hn, layout.hPrev]) reserve.fill(0, section + row, section + row + H);
        y.fill(0, row, row + H);
        continue;
      }
      const xg = (t * B + b) * G;
      const hg = b * G;
      const st = b * H;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(gx[xg + j]! + gh[hg + j]!);
        const z = sigmoid(gx[xg + H + j]! + gh[hg + H + j]!);
        const hn = gh[hg + 2 * H + j]!;
        const n = Math.tanh(gx[xg + 2 * H + j]! + r * hn);
        const hPrev = h[st + j]!;
        const hNew = n + z * (hPrev - n);
        reserve[layout.r + row + j] = r;
        reserve[layout.z + row + j] = z;
        reserve[layout.n + row + j] = n;
        reserve[layout.hn + row + j] = hn;
        reserve[layout.hPrev + row + j] = hPrev;
        h[st + j] = hNew;
        y[row + j] = hNew;
      }
    }
  }
}
