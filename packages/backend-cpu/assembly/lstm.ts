// Fused LSTM sequence forward and backward (cuDNN plan), one job per thread.
//
// Same contract and reserve layout as src/kernels/lstm-sequence.ts and
// lstm-sequence-backward.ts (gate order i, f, g, o; reserve sections gates [T·B, 4H],
// cPrev, tanhC, hPrev [T·B, H]), so the TypeScript and WebAssembly paths are
// interchangeable. Every thread owns a range of hidden units (a multiple of NR, all four
// gates of them): it computes their input projection, their recurrent GEMM columns and
// their gate math, so the only exchange per step is h (forward) or dGates[t] (backward),
// behind one barrier per step. With one thread the barriers are no-ops.

import { MR, NR, GEMM_SCRATCH_BYTES, SCRATCH_B_OFFSET, SCRATCH_B_FLOATS, gemmBlock, macroKernel, packA, packB, packBAll, panelWidth } from './gemm';
import { vsigmoid, vtanh } from './math';
import { barrier } from './sync';

@inline function arg(args: usize, i: i32): i32 {
  return load<i32>(args + (<usize>i << 2));
}

@inline function ptr(args: usize, i: i32): usize {
  return <usize>load<u32>(args + (<usize>i << 2));
}

/** n = 1..4 floats into a vector (missing lanes 0). */
@inline function ldv(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

@inline function stv(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

@inline function zero(p: usize, floats: i32): void {
  memory.fill(p, 0, <usize>floats << 2);
}

@inline function copy(dst: usize, src: usize, floats: i32): void {
  memory.copy(dst, src, <usize>floats << 2);
}

// The reserve's [T·B, H] sections, counted in sections of T·B·H floats: the gates
// [T·B, 4H] take sections 0-3.
const C_PREV = 4, TANH_C = 5, H_PREV = 6;

/** Byte address of the reserve's section `s` (rows = T·B, Hb = H in bytes). */
@inline function section(reserve: usize, s: i32, rows: i32, Hb: usize): usize {
  return reserve + <usize>(s * rows) * Hb;
}

/** For each of the B samples, this thread's nu units from u0: dst = src. */
@inline function copyUnits(dst: usize, src: usize, B: i32, Hb: usize, u0: i32, nu: i32): void {
  for (let b = 0; b < B; b++) {
    const o = <usize>b * Hb + (<usize>u0 << 2);
    copy(dst + o, src + o, nu);
  }
}

/** First unit of thread `tid`'s range: units are dealt in panels of NR. */
@inline function unitStart(H: i32, tid: i32, nt: i32): i32 {
  const panels = (H + NR - 1) / NR;
  return min(H, <i32>((<i64>tid * panels) / nt) * NR);
}

/**
 * Gate math of n (1..4) units of one live (t, b): reads the pre-activation gates at g,
 * c at cs and h at hc; writes activated gates, c_prev, tanh(c'), h_prev, c', h' and y.
 */
@inline function forwardUnits(g: usize, Hb: usize, cs: usize, hc: usize, hn: usize, yp: usize, cp: usize, tc: usize, hp: usize, o: usize, n: i32): void {
  g += o; cs += o; hc += o; hn += o; yp += o; cp += o; tc += o; hp += o;
  const gi = vsigmoid(ldv(g, n));
  const gf = vsigmoid(ldv(g + Hb, n));
  const gg = vtanh(ldv(g + 2 * Hb, n));
  const go = vsigmoid(ldv(g + 3 * Hb, n));
  const cOld = ldv(cs, n);
  const hOld = ldv(hc, n);
  const cNew = f32x4.add(f32x4.mul(gf, cOld), f32x4.mul(gi, gg));
  const tanhC = vtanh(cNew);
  const hNew = f32x4.mul(go, tanhC);
  stv(g, gi, n);
  stv(g + Hb, gf, n);
  stv(g + 2 * Hb, gg, n);
  stv(g + 3 * Hb, go, n);
  stv(cp, cOld, n);
  stv(tc, tanhC, n);
  stv(hp, hOld, n);
  stv(cs, cNew, n);
  stv(hn, hNew, n);
  stv(yp, hNew, n);
}

/**
 * True when the batch is sorted by length, longest first, and skipping the finished
 * samples saves at least an eighth of the rows: then the live samples of step t are the
 * first `liveRows(t)`, and the GEMMs run over those rows only (PyTorch's packed
 * sequences; the host sorts a batch when that pays, jobs/lstm.ts).
 */
function packedRows(lengths: usize, T: i32, B: i32): bool {
  if (lengths == 0) return false;
  let total: i64 = 0;
  let previous = T;
  for (let b = 0; b < B; b++) {
    const n = min(T, max(0, load<i32>(lengths + (<usize>b << 2))));
    if (n > previous) return false;
    previous = n;
    total += n;
  }
  return total * 8 < <i64>T * <i64>B * 7;
}

/** How many samples are live at step t: all B unless `packed` (then a prefix). */
@inline function liveRows(lengths: usize, B: i32, t: i32, packed: bool): i32 {
  if (!packed) return B;
  let n = 0;
  while (n < B && t < load<i32>(lengths + (<usize>n << 2))) n++;
  return n;
}

/**
 * Forward job. args (i32 slots): 0 T, 1 B, 2 I, 3 H, 4 reverse, 5 x, 6 wIh, 7 wHh, 8 bias,
 * 9 h0, 10 c0, 11 lengths (0: none), 12 y, 13 hT, 14 cT, 15 reserve, 16 hbuf [2·B·H],
 * 17 packed wHh [4·ceil(H/NR)·NR·H], 18 scratch, 19 scratch stride, 20 barrier,
 * 21 prepacked wIh (0: none; else packBAll(wIh, I, true, 4H, I), slot 17 then already
 * holds wHh's panels, packB(wHh, H, true, 4H, H), and wIh / wHh are unused: weights packed
 * once for many calls, as a step-by-step decoder makes; needs H % NR == 0),
 * 22 gate table [V, 4H] (0: none; else the input gates of row r = t·B + b are the table's
 * row ids[r], an embedding folded into x·wIhᵀ + bias, and x, wIh, bias are unused),
 * 23 ids (i32 [T·B], -1 for an id outside the table: input gates 0).
 * The per-thread scratch holds GEMM_SCRATCH_BYTES, then the packed h [ceil(B/MR)·MR·H].
 */
export function lstmForward(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const T = arg(args, 0), B = arg(args, 1), I = arg(args, 2), H = arg(args, 3), reverse = arg(args, 4) != 0;
  const x = ptr(args, 5), wIh = ptr(args, 6), wHh = ptr(args, 7), bias = ptr(args, 8);
  const h0 = ptr(args, 9), c0 = ptr(args, 10), lengths = ptr(args, 11);
  const y = ptr(args, 12), hT = ptr(args, 13), cT = ptr(args, 14), reserve = ptr(args, 15);
  const hbuf = ptr(args, 16), packedW = ptr(args, 17);
  const scratch = ptr(args, 18) + <usize>tid * ptr(args, 19);
  const bar = ptr(args, 20);
  const preIh = ptr(args, 21);
  const table = ptr(args, 22), ids = ptr(args, 23);
  const G = 4 * H, rows = T * B;
  const Hb = <usize>H << 2, Gb = <usize>G << 2;
  const panels = (H + NR - 1) / NR;
  const panelBytes = <usize>(NR * H) << 2;
  const u0 = unitStart(H, tid, nt);
  const nu = unitStart(H, tid + 1, nt) - u0;
  const p0 = u0 / NR;
  const cPrevSec = section(reserve, C_PREV, rows, Hb), tanhCSec = section(reserve, TANH_C, rows, Hb), hPrevSec = section(reserve, H_PREV, rows, Hb);
  const ph = scratch + <usize>GEMM_SCRATCH_BYTES;
  let hc = hbuf;
  let hn = hbuf + <usize>B * Hb;

  const packed = packedRows(lengths, T, B);
  if (nu > 0) {
    for (let q = 0; q < 4; q++) {
      const col = q * H + u0;
      // 1. gates [T·B, cols] = x · wIh[cols]ᵀ + bias[cols] (the live rows of each step when packed)
      if (table != 0) {
        // ... or rows of the folded table: a copy, no GEMM.
        for (let t = 0; t < T; t++) {
          const live = liveRows(lengths, B, t, packed);
          for (let b = 0; b < live; b++) {
            const r = <usize>(t * B + b);
            const id = load<i32>(ids + (r << 2));
            const dst = reserve + ((r * <usize>G + <usize>col) << 2);
            if (id < 0) zero(dst, nu);
            else copy(dst, table + ((<usize>id * <usize>G + <usize>col) << 2), nu);
          }
        }
      } else if (packed) {
        // One GEMM a step: wIh[cols] packed once for all of them when it fits the scratch.
        const wq = wIh + (<usize>col * <usize>I << 2);
        let nPad = panelWidth(nu);
        let pw: usize = 0, j0 = 0;
        if (preIh != 0) {
          pw = preIh;
          nPad = G;
          j0 = col;
        } else if (<i64>nPad * <i64>I <= <i64>SCRATCH_B_FLOATS) {
          pw = scratch + <usize>SCRATCH_B_OFFSET;
          packBAll(wq, I, true, nu, I, pw);
        }
        for (let t = 0; t < T; t++) {
          const r = <usize>(t * B);
          gemmBlock(liveRows(lengths, B, t, true), nu, I, x + (r * <usize>I << 2), I, false, wq, I, true, reserve + ((r * <usize>G + <usize>col) << 2), G, 2, bias + (<usize>col << 2), scratch, pw, nPad, j0);
        }
      } else {
        gemmBlock(rows, nu, I, x, I, false, wIh + (<usize>col * <usize>I << 2), I, true, reserve + (<usize>col << 2), G, 2, bias + (<usize>col << 2), scratch, preIh, G, col);
      }
      // 2. this thread's panels of wHh (B operand of h · wHhᵀ), packed once per call
      if (preIh == 0) packB(wHh + (<usize>col * Hb), H, true, nu, H, packedW + <usize>(q * panels + p0) * panelBytes);
    }
    for (let b = 0; b < B; b++) {
      const o = <usize>b * Hb + (<usize>u0 << 2);
      copy(hc + o, h0 + o, nu);
      copy(cT + o, c0 + o, nu);
    }
  }
  barrier(bar, nt, canWait);

  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const gRow0 = reserve + <usize>(t * B) * Gb;
    if (nu > 0) {
      // 3a. gates[t][:live, own columns] += h[:live] · wHhᵀ
      const live = liveRows(lengths, B, t, packed);
      if (H > 0 && live > 0) {
        packA(hc, H, false, live, H, ph);
        for (let q = 0; q < 4; q++) {
          macroKernel(live, nu, H, ph, packedW + <usize>(q * panels + p0) * panelBytes, gRow0 + (<usize>(q * H + u0) << 2), G, 1, 0, scratch);
        }
      }
      // 3b. gate math for the own units of every sample
      for (let b = 0; b < B; b++) {
        const r = <usize>(t * B + b) * Hb + (<usize>u0 << 2); // (t, b, u0) in [T·B, H] sections and y
        const st = <usize>b * Hb + (<usize>u0 << 2);
        const g = gRow0 + <usize>b * Gb + (<usize>u0 << 2);
        if (lengths == 0 || t < load<i32>(lengths + (<usize>b << 2))) {
          let j = 0;
          for (; j + 4 <= nu; j += 4) forwardUnits(g, Hb, cT + st, hc + st, hn + st, y + r, cPrevSec + r, tanhCSec + r, hPrevSec + r, <usize>j << 2, 4);
          if (j < nu) forwardUnits(g, Hb, cT + st, hc + st, hn + st, y + r, cPrevSec + r, tanhCSec + r, hPrevSec + r, <usize>j << 2, nu - j);
        } else {
          // Masked step: state carried, y = 0, nothing saved for the backward.
          for (let q = 0; q < 4; q++) zero(g + <usize>q * Hb, nu);
          zero(cPrevSec + r, nu);
          zero(tanhCSec + r, nu);
          zero(hPrevSec + r, nu);
          zero(y + r, nu);
          copy(hn + st, hc + st, nu);
        }
      }
    }
    barrier(bar, nt, canWait);
    const swap = hc;
    hc = hn;
    hn = swap;
  }
  if (nu > 0) copyUnits(hT, hc, B, Hb, u0, nu);
}

/** Gate gradients of n (1..4) units of one live (t, b); updates dc in place. */
@inline function backwardUnits(g: usize, Hb: usize, cp: usize, tc: usize, dh: usize, dy: usize, dc: usize, d: usize, o: usize, n: i32): void {
  g += o; cp += o; tc += o; dh += o; dc += o; d += o;
  if (dy != 0) dy += o;
  const one = f32x4.splat(1.0);
  const gi = ldv(g, n);
  const gf = ldv(g + Hb, n);
  const gg = ldv(g + 2 * Hb, n);
  const go = ldv(g + 3 * Hb, n);
  const tanhC = ldv(tc, n);
  let dhTot = ldv(dh, n);
  if (dy != 0) dhTot = f32x4.add(dhTot, ldv(dy, n));
  const dcTot = f32x4.add(ldv(dc, n), f32x4.mul(f32x4.mul(dhTot, go), f32x4.sub(one, f32x4.mul(tanhC, tanhC))));
  stv(d, f32x4.mul(f32x4.mul(dcTot, gg), f32x4.mul(gi, f32x4.sub(one, gi))), n);
  stv(d + Hb, f32x4.mul(f32x4.mul(dcTot, ldv(cp, n)), f32x4.mul(gf, f32x4.sub(one, gf))), n);
  stv(d + 2 * Hb, f32x4.mul(f32x4.mul(dcTot, gi), f32x4.sub(one, f32x4.mul(gg, gg))), n);
  stv(d + 3 * Hb, f32x4.mul(f32x4.mul(dhTot, tanhC), f32x4.mul(go, f32x4.sub(one, go))), n);
  stv(dc, f32x4.mul(dcTot, gf), n);
}

/**
 * Backward job. args: 0 T, 1 B, 2 I, 3 H, 4 reverse, 5 x, 6 wIh, 7 wHh, 8 lengths, 9 dy,
 * 10 dhT, 11 dcT (0: no gradient), 12 reserve, 13 dx, 14 dwIh, 15 dwHh, 16 dBias, 17 dh0,
 * 18 dc0, 19 dGates [T·B, 4H], 20 dhbuf [2·B·H], 21 packed wHh [ceil(H/NR)·NR·4H],
 * 22 scratch, 23 scratch stride, 24 barrier. The per-thread scratch holds
 * GEMM_SCRATCH_BYTES, then the packed dGates[t] [ceil(B/MR)·MR·4H].
 */
export function lstmBackward(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const T = arg(args, 0), B = arg(args, 1), I = arg(args, 2), H = arg(args, 3), reverse = arg(args, 4) != 0;
  const x = ptr(args, 5), wIh = ptr(args, 6), wHh = ptr(args, 7), lengths = ptr(args, 8);
  const dy = ptr(args, 9), dhT = ptr(args, 10), dcT = ptr(args, 11), reserve = ptr(args, 12);
  const dx = ptr(args, 13), dwIh = ptr(args, 14), dwHh = ptr(args, 15), dBias = ptr(args, 16);
  const dh0 = ptr(args, 17), dc0 = ptr(args, 18), dGates = ptr(args, 19), dhbuf = ptr(args, 20), packedW = ptr(args, 21);
  const scratch = ptr(args, 22) + <usize>tid * ptr(args, 23);
  const bar = ptr(args, 24);
  const G = 4 * H, rows = T * B;
  const Hb = <usize>H << 2, Gb = <usize>G << 2;
  const u0 = unitStart(H, tid, nt);
  const nu = unitStart(H, tid + 1, nt) - u0;
  const p0 = u0 / NR;
  const cPrevSec = section(reserve, C_PREV, rows, Hb), tanhCSec = section(reserve, TANH_C, rows, Hb), hPrevSec = section(reserve, H_PREV, rows, Hb);
  const pg = scratch + <usize>GEMM_SCRATCH_BYTES;
  const packedOwn = packedW + <usize>p0 * (<usize>(NR * G) << 2);
  let dh = dhbuf;
  let dhNext = dhbuf + <usize>B * Hb;
  const packed = packedRows(lengths, T, B);

  if (nu > 0) {
    // wHh [4H, H] as the B operand of dGates[t] · wHh, this thread's columns only.
    packB(wHh + (<usize>u0 << 2), H, false, nu, G, packedOwn);
    for (let b = 0; b < B; b++) {
      const o = <usize>b * Hb + (<usize>u0 << 2);
      if (dhT != 0) copy(dh + o, dhT + o, nu);
      else zero(dh + o, nu);
      if (dcT != 0) copy(dc0 + o, dcT + o, nu);
      else zero(dc0 + o, nu);
    }
  }

  for (let s = 0; s < T; s++) {
    const t = reverse ? s : T - 1 - s;
    let live = 0;
    for (let b = 0; b < B; b++) if (lengths == 0 || t < load<i32>(lengths + (<usize>b << 2))) live++;
    const dRow0 = dGates + <usize>(t * B) * Gb;
    if (nu > 0) {
      for (let b = 0; b < B; b++) {
        const d = dRow0 + <usize>b * Gb + (<usize>u0 << 2);
        if (lengths == 0 || t < load<i32>(lengths + (<usize>b << 2))) {
          const r = <usize>(t * B + b) * Hb + (<usize>u0 << 2);
          const g = reserve + <usize>(t * B + b) * Gb + (<usize>u0 << 2);
          const st = <usize>b * Hb + (<usize>u0 << 2);
          const dyr: usize = dy == 0 ? <usize>0 : dy + r;
          let j = 0;
          for (; j + 4 <= nu; j += 4) backwardUnits(g, Hb, cPrevSec + r, tanhCSec + r, dh + st, dyr, dc0 + st, d, <usize>j << 2, 4);
          if (j < nu) backwardUnits(g, Hb, cPrevSec + r, tanhCSec + r, dh + st, dyr, dc0 + st, d, <usize>j << 2, nu - j);
        } else {
          for (let q = 0; q < 4; q++) zero(d + <usize>q * Hb, nu);
        }
      }
    }
    if (live == 0) continue; // every sample masked: dh passes through untouched
    barrier(bar, nt, canWait); // dGates[t] complete
    if (nu > 0) {
      // dhNext[:, own] = dGates[t] [B, 4H] · wHh[:, own] (the live rows when packed; the rest are copied below)
      const m = packed ? live : B;
      packA(dRow0, G, false, m, G, pg);
      macroKernel(m, nu, G, pg, packedOwn, dhNext + (<usize>u0 << 2), H, 0, 0, scratch);
      if (live < B) {
        for (let b = 0; b < B; b++) {
          if (t < load<i32>(lengths + (<usize>b << 2))) continue;
          const o = <usize>b * Hb + (<usize>u0 << 2);
          copy(dhNext + o, dh + o, nu);
        }
      }
    }
    const swap = dh;
    dh = dhNext;
    dhNext = swap;
  }
  if (nu > 0) copyUnits(dh0, dh, B, Hb, u0, nu);
  barrier(bar, nt, canWait); // every row of dGates written

  if (nu > 0) {
    for (let q = 0; q < 4; q++) {
      const col = q * H + u0;
      // dBias[cols] = column sums of dGates
      let j = 0;
      for (; j < nu; j += 4) {
        const n = min(4, nu - j);
        let acc = f32x4.splat(0);
        let p = dGates + (<usize>(col + j) << 2);
        for (let r = 0; r < rows; r++) {
          acc = f32x4.add(acc, ldv(p, n));
          p += Gb;
        }
        stv(dBias + (<usize>(col + j) << 2), acc, n);
      }
      // dwIh[cols] = dGates[:, cols]ᵀ · x ; dwHh[cols] = dGates[:, cols]ᵀ · h_prev (summed over
      // each step's live rows when packed: the finished rows' dGates are zeros)
      if (packed) {
        for (let t = 0; t < T; t++) {
          const r = <usize>(t * B);
          const k = liveRows(lengths, B, t, true);
          const mode = t == 0 ? 0 : 1;
          gemmBlock(nu, I, k, dGates + ((r * <usize>G + <usize>col) << 2), G, true, x + (r * <usize>I << 2), I, false, dwIh + (<usize>col * <usize>I << 2), I, mode, 0, scratch);
          gemmBlock(nu, H, k, dGates + ((r * <usize>G + <usize>col) << 2), G, true, hPrevSec + r * Hb, H, false, dwHh + (<usize>col * Hb), H, mode, 0, scratch);
        }
      } else {
        gemmBlock(nu, I, rows, dGates + (<usize>col << 2), G, true, x, I, false, dwIh + (<usize>col * <usize>I << 2), I, 0, 0, scratch);
        gemmBlock(nu, H, rows, dGates + (<usize>col << 2), G, true, hPrevSec, H, false, dwHh + (<usize>col * Hb), H, 0, 0, scratch);
      }
    }
  }
  // dx [T·B, I] = dGates · wIh, rows dealt in blocks of MR.
  const blocks = (rows + MR - 1) / MR;
  const r0 = min(rows, <i32>((<i64>tid * blocks) / nt) * MR);
  const r1 = min(rows, <i32>((<i64>(tid + 1) * blocks) / nt) * MR);
  if (r1 <= r0) return;
  if (!packed) {
    gemmBlock(r1 - r0, I, G, dGates + <usize>r0 * Gb, G, false, wIh, I, false, dx + (<usize>r0 * <usize>I << 2), I, 0, 0, scratch);
    return;
  }
  // Packed: in each step's part of [r0, r1), the live rows by GEMM, the finished ones zero
  // (wIh packed once for all the steps when it fits the scratch).
  const nPad = panelWidth(I);
  const pw = <i64>nPad * <i64>G <= <i64>SCRATCH_B_FLOATS ? scratch + <usize>SCRATCH_B_OFFSET : 0;
  if (pw != 0) packBAll(wIh, I, false, I, G, pw);
  for (let t = r0 / B; t * B < r1; t++) {
    const a = max(r0, t * B), e = min(r1, (t + 1) * B);
    const liveEnd = min(e, t * B + liveRows(lengths, B, t, true));
    if (liveEnd > a) gemmBlock(liveEnd - a, I, G, dGates + <usize>a * Gb, G, false, wIh, I, false, dx + (<usize>a * <usize>I << 2), I, 0, 0, scratch, pw, nPad, 0);
    if (e > max(a, liveEnd)) zero(dx + (<usize>max(a, liveEnd) * <usize>I << 2), (e - max(a, liveEnd)) * I);
  }
}
