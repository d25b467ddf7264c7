import { gruReserveLayout } from '@cellstate/tensor/backend-kit';
import type { GemmNT } from './gru-sequence.js';
import { transposeMatrix, transposed } from './matmul.js';

/**
 * Fused GRU sequence backward. Letters: T steps, B batch, I input size, H hidden size;
 * gate order r, z, n; gx = x·wIhᵀ + bIh and gh = h·wHhᵀ + bHh as in gru-sequence.ts.
 *
 *     dy [T,B,H] | null, dhT [B,H] | null, x [T,B,I], wIh [3H,I], wHh [3H,H],
 *     lengths [B] | null, reserve (see gru-sequence.ts)
 *       -> dx [T,B,I], dwIh [3H,I], dwHh [3H,H], dbIh [3H], dbHh [3H], dh0 [B,H]
 *
 * 1. Walk the steps in the reverse of the forward order. Per live (t, b), with
 *    dh = dh_carried + dy[t, b]:
 *      dn̂ = dh ⊙ (1 − z) ⊙ (1 − n²),  dẑ = dh ⊙ (h − n) ⊙ z(1 − z),  dr̂ = dn̂ ⊙ hn ⊙ r(1 − r)
 *      dGx[t, b] = (dr̂, dẑ, dn̂),  dGh[t, b] = (dr̂, dẑ, dn̂ ⊙ r)  (r scales gh_n only)
 *      dh_carried ← dh ⊙ z + dGh[t, b] · wHh   (one GEMM per step, accumulating)
 *    A masked step (t >= lengths[b]) passes dh through, ignores dy[t, b] (y was 0
 *    there) and leaves its dGx and dGh rows 0.
 * 2. Then the big products over all T·B rows at once:
 *      dx = dGx · wIh,  dwIh = dGxᵀ · x,  dwHh = dGhᵀ · h_prev,  dbIh, dbHh = Σ_rows.
 */
export function gruSequenceBackward(
  gemm: GemmNT,
  x: Float32Array, wIh: Float32Array, wHh: Float32Array,
  lengths: Int32Array | null, reverse: boolean,
  T: number, B: number, I: number, H: number,
  dy: Float32Array | null, dhT: Float32Array | null, reserve: Float32Array,
  dx: Float32Array, dwIh: Float32Array, dwHh: Float32Array, dbIh: Float32Array, dbHh: Float32Array, dh0: Float32Array,
): void {
  const G = 3 * H;
  const rows = T * B;
  const L = gruReserveLayout(T, B, H);
  const dGx = new Float32Array(rows * G), dGh = new Float32Array(rows * G); // masked rows stay 0
  const wHhT = transposed(wHh, 0, G, H); // [H, 3H]
  let dh = new Float32Array(B * H);
  let dhNext = new Float32Array(B * H);
  if (dhT !== null) dh.set(dhT.subarray(0, B * H));

  for (let s = 0; s < T; s++) {
    const t = reverse ? s : T - 1 - s;
    let liveRows = 0;
    for (let b = 0; b < B; b++) {
      const st = b * H;
      if (lengths !== null && !(t < lengths[b]!)) {
        for (let k = st; k < st + H; k++) dhNext[k] = dh[k]!;
        continue;
      }
      liveRows++;
      const row = (t * B + b) * H; // row (t, b) of dy and of the reserve sections
      const d = (t * B + b) * G; // row (t, b) of dGx and dGh
      for (let j = 0; j < H; j++) {
        const r = reserve[L.r + row + j]!;
        const z = reserve[L.z + row + j]!;
        const n = reserve[L.n + row + j]!;
        const dhTot = dy === null ? dh[st + j]! : dh[st + j]! + dy[row + j]!;
        const dnPre = dhTot * (1 - z) * (1 - n * n);
        const dzPre = dhTot * (reserve[L.hPrev + row + j]! - n) * z * (1 - z);
        const drPre = dnPre * reserve[L.hn + row + j]! * r * (1 - r);
        dGx[d + j] = drPre;
        dGx[d + H + j] = dzPre;
        dGx[d + 2 * H + j] = dnPre;
        dGh[d + j] = drPre;
        dGh[d + H + j] = dzPre;
        dGh[d + 2 * H + j] = dnPre * r;
        dhNext[st + j] = dhTot * z;
      }
    }
    // dhNext [B, H] += dGh[t] [B, 3H] · wHh [3H, H]  (= dGh[t] · (wHhT)ᵀ; masked rows add 0)
    if (liveRows > 0 && H > 0) gemm(B, H, G, dGh, t * B * G, G, wHhT, 0, G, dhNext, 0, H, true, null);
    const swap = dh;
    dh = dhNext;
    dhNext = swap;
  }
  dh0.set(dh);
  columnSums(dGx, rows, G, dbIh);
  columnSums(dGh, rows, G, dbHh);
  if (rows === 0 || G === 0) {
    dx.fill(0);
    dwIh.fill(0);
    dwHh.fill(0);
    return;
  }
  // dx [T·B, I] = dGx [T·B, 3H] · wIh [3H, I]
  const wIhT = transposed(wIh, 0, G, I); // [I, 3H]
  gemm(rows, I, G, dGx, 0, G, wIhT, 0, G, dx, 0, I, false, null);
  // dwIh [3H, I] = dGxᵀ · x and dwHh [3H, H] = dGhᵀ · h_prev, inner dimension T·B.
  const dGT = new Float32Array(G * rows); // [3H, T·B], dGx's then dGh's
  transposeMatrix(dGx, 0, rows, G, dGT);
  const xT = transposed(x, 0, rows, I); // [I, T·B]
  gemm(G, I, rows, dGT, 0, rows, xT, 0, rows, dwIh, 0, I, false, null);
  transposeMatrix(dGh, 0, rows, G, dGT);
  const hPrevT = transposed(reserve, L.hPrev, rows, H); // [H, T·B]
  gemm(G, H, rows, dGT, 0, rows, hPrevT, 0, rows, dwHh, 0, H, false, null);
}

/** out [cols] = Σ over rows of m [rows, cols], summed in float64. */
function columnSums(m: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) acc[j] += m[o + j]!;
  }
  out.set(acc);
}
