import { lstmReserveLayout } from '@cellstate/tensor/backend-kit';
import { gemmNT, transposed } from './matmul.js';

/**
 * Fused LSTM sequence backward (cuDNN plan, architecture §3). Letters: T steps, B batch,
 * I input size, H hidden size; gate order i, f, g, o.
 *
 *     dy [T,B,H] | null, dhT [B,H] | null, dcT [B,H] | null, x [T,B,I], wIh [4H,I], wHh [4H,H],
 *     lengths [B] | null, reserve (see lstm-sequence.ts)
 *       -> dx [T,B,I], dwIh [4H,I], dwHh [4H,H], dBias [4H], dh0 [B,H], dc0 [B,H]
 *
 * 1. Walk the steps in the reverse of the forward order. Per live (t, b):
 *      dh  = dh_carried + dy[t, b]
 *      dc  = dc_carried + dh ⊙ o ⊙ (1 - tanh²(c'))
 *      dGates[t, b] = pre-activation gradients of i, f, g, o
 *      dc_carried ← dc ⊙ f;  dh_carried ← dGates[t, b] · wHh   (one GEMM per step)
 *    A masked step (t >= lengths[b]) passes dh and dc through, ignores dy[t, b] (y was 0
 *    there) and leaves dGates[t, b] = 0.
 * 2. Then the big products over all T·B rows at once:
 *      dx = dGates · wIh,  dwIh = dGatesᵀ · x,  dwHh = dGatesᵀ · h_prev,  dBias = Σ_rows dGates.
 *    Every product runs as gemmNT on transposed copies made once per call.
 */
export function lstmSequenceBackward(
  x: Float32Array, wIh: Float32Array, wHh: Float32Array,
  lengths: Int32Array | null, reverse: boolean,
  T: number, B: number, I: number, H: number,
  dy: Float32Array | null, dhT: Float32Array | null, dcT: Float32Array | null, reserve: Float32Array,
  dx: Float32Array, dwIh: Float32Array, dwHh: Float32Array, dBias: Float32Array, dh0: Float32Array, dc0: Float32Array,
): void {
  const G = 4 * H;
  const rows = T * B;
  const layout = lstmReserveLayout(T, B, H);
  const dGates = new Float32Array(rows * G); // masked rows stay 0
  const wHhT = transposed(wHh, 0, G, H); // [H, 4H]
  // Carried gradients: dh in float32 (a GEMM output, as the composed ops round it), dc in float64.
  let dh = new Float32Array(B * H);
  let dhNext = new Float32Array(B * H);
  const dc = new Float64Array(B * H);
  if (dhT !== null) dh.set(dhT.subarray(0, B * H));
  if (dcT !== null) for (let k = 0; k < B * H; k++) dc[k] = dcT[k]!;

  for (let s = 0; s < T; s++) {
    const t = reverse ? s : T - 1 - s;
    let liveRows = 0;
    for (let b = 0; b < B; b++) {
      if (lengths !== null && !(t < lengths[b]!)) continue;
      liveRows++;
      const r = (t * B + b) * H; // row (t, b) of dy and the [T·B, H] reserve sections
      const g = layout.gates + (t * B + b) * G;
      const d = (t * B + b) * G; // row (t, b) of dGates
      const cp = layout.cPrev + r;
      const tc = layout.tanhC + r;
      const st = b * H;
      for (let j = 0; j < H; j++) {
        const gi = reserve[g + j]!;
        const gf = reserve[g + H + j]!;
        const gg = reserve[g + 2 * H + j]!;
        const go = reserve[g + 3 * H + j]!;
        const tanhC = reserve[tc + j]!;
        const dhTot = dy === null ? dh[st + j]! : dh[st + j]! + dy[r + j]!;
        const dcTot = dc[st + j]! + dhTot * go * (1 - tanhC * tanhC);
        dGates[d + j] = dcTot * gg * gi * (1 - gi);
        dGates[d + H + j] = dcTot * reserve[cp + j]! * gf * (1 - gf);
        dGates[d + 2 * H + j] = dcTot * gi * (1 - gg * gg);
        dGates[d + 3 * H + j] = dhTot * tanhC * go * (1 - go);
        dc[st + j] = dcTot * gf;
      }
    }
    if (liveRows === 0) continue; // every sample masked: dh passes through untouched
    // dhNext [B, H] = dGates[t] [B, 4H] · wHh [4H, H]  (= dGates[t] · (wHhT)ᵀ)
    gemmNT(B, H, G, dGates, t * B * G, G, wHhT, 0, G, dhNext, 0, H, false, null);
    if (liveRows < B) {
      for (let b = 0; b < B; b++) {
        if (t < lengths![b]!) continue;
        for (let k = b * H; k < (b + 1) * H; k++) dhNext[k] = dh[k]!;
      }
    }
    const swap = dh;
    dh = dhNext;
    dhNext = swap;
  }
  dh0.set(dh);
  for (let k = 0; k < B * H; k++) dc0[k] = dc[k]!;

  // dBias [4H] = column sums of dGates [T·B, 4H]
  const biasSum = new Float64Array(G);
  for (let r = 0; r < rows; r++) {
    const d = r * G;
    for (let j = 0; j < G; j++) biasSum[j] += dGates[d + j]!;
  }
  for (let j = 0; j < G; j++) dBias[j] = biasSum[j]!;

  // dx [T·B, I] = dGates [T·B, 4H] · wIh [4H, I]
  const wIhT = transposed(wIh, 0, G, I); // [I, 4H]
  gemmNT(rows, I, G, dGates, 0, G, wIhT, 0, G, dx, 0, I, false, null);

  // dwIh [4H, I] = dGatesᵀ · x and dwHh [4H, H] = dGatesᵀ · h_prev, inner dimension T·B.
  const dGatesT = transposed(dGates, 0, rows, G); // [4H, T·B]
  const xT = transposed(x, 0, rows, I); // [I, T·B]
  gemmNT(G, I, rows, dGatesT, 0, rows, xT, 0, rows, dwIh, 0, I, false, null);
  const hPrevT = transposed(reserve, layout.hPrev, rows, H); // [H, T·B]
  gemmNT(G, H, rows, dGatesT, 0, rows, hPrevT, 0, rows, dwHh, 0, H, false, null);
}
