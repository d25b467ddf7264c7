// Memory-bound kernels of a training step in SIMD128: the fused Adam update, the row-wise
// softmax cross-entropy and the Bernoulli masks of dropout. Same contracts as the
// TypeScript kernels in src/kernels/ (adam-step.ts, softmax-cross-entropy.ts, random.ts);
// threads split the elements (Adam, masks) or the rows (softmax), no barrier needed.

import { vexp, vtanh } from './math';

@inline function arg(args: usize, i: i32): i32 {
  return load<i32>(args + (<usize>i << 2));
}

@inline function ptr(args: usize, i: i32): usize {
  return <usize>load<u32>(args + (<usize>i << 2));
}

@inline function argf(args: usize, i: i32): f32 {
  return load<f32>(args + (<usize>i << 2));
}

/** [i0, i1) of n items for thread tid of nt, in multiples of 4. */
@inline function share(n: i32, tid: i32, nt: i32): i32 {
  const quads = (n + 3) >> 2;
  return min(n, <i32>((<i64>tid * quads) / nt) << 2);
}

/**
 * Adam / AdamW, in place over the arena copies. args: 0 n, 1 param, 2 grad, 3 m, 4 v,
 * then f32: 5 scale, 6 β1, 7 β2, 8 1-β1, 9 1-β2, 10 ε, 11 l2, 12 decay, 13 stepSize,
 * 14 1/sqrt(1-β2^step).
 *     g = scale·grad + l2·p;  m' = β1·m + (1-β1)·g;  v' = β2·v + (1-β2)·g²
 *     p' = p·decay - stepSize · m' / (sqrt(v')·(1/sqrt(1-β2^step)) + ε)
 */
export function adam(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const n = arg(args, 0);
  const param = ptr(args, 1), grad = ptr(args, 2), m = ptr(args, 3), v = ptr(args, 4);
  const scale = f32x4.splat(argf(args, 5));
  const b1 = f32x4.splat(argf(args, 6)), b2 = f32x4.splat(argf(args, 7));
  const c1 = f32x4.splat(argf(args, 8)), c2 = f32x4.splat(argf(args, 9));
  const eps = f32x4.splat(argf(args, 10)), l2 = f32x4.splat(argf(args, 11));
  const decay = f32x4.splat(argf(args, 12)), stepSize = f32x4.splat(argf(args, 13));
  const inv = f32x4.splat(argf(args, 14));
  const i0 = share(n, tid, nt), i1 = share(n, tid + 1, nt);
  // The arena rounds every block up to 64 bytes, so the last quad may read and write past
  // n into padding nobody reads.
  for (let i = i0; i < i1; i += 4) {
    const o = <usize>i << 2;
    const p0 = v128.load(param + o);
    const g = f32x4.add(f32x4.mul(v128.load(grad + o), scale), f32x4.mul(p0, l2));
    const mk = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, g));
    const vk = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(f32x4.mul(c2, g), g));
    const step = f32x4.div(mk, f32x4.add(f32x4.mul(f32x4.sqrt(vk), inv), eps));
    v128.store(param + o, f32x4.sub(f32x4.mul(p0, decay), f32x4.mul(step, stepSize)));
    v128.store(m + o, mk);
    v128.store(v + o, vk);
  }
}

/**
 * Row-wise softmax cross-entropy. args: 0 N, 1 C, 2 logits [N,C], 3 labels [N] (i32),
 * 4 parts [N, 2] (f64), 5 probabilities [N,C]. Per row: max, Σ exp(x - max) (f32 lanes,
 * summed in f64), probabilities = exp(x - max) / Σ, parts = (max - x[label], Σ), from
 * which the caller forms loss = max - x[label] + log Σ (log stays out of the module: its
 * tables would be a data segment, and every thread's instantiation rewrites the data
 * segments of the shared memory). A label outside [0, C) gives parts (0, 1): loss 0.
 */
export function softmaxXent(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const N = arg(args, 0), C = arg(args, 1);
  const logits = ptr(args, 2), labels = ptr(args, 3), parts = ptr(args, 4), probs = ptr(args, 5);
  const n0 = <i32>((<i64>tid * N) / nt), n1 = <i32>((<i64>(tid + 1) * N) / nt);
  const C4 = C & ~3;
  for (let r = n0; r < n1; r++) {
    const x = logits + (<usize>r * <usize>C << 2);
    const p = probs + (<usize>r * <usize>C << 2);
    let mv = f32x4.splat(-Infinity);
    let c = 0;
    // pmax (one maxps) skips NaN lanes; a NaN makes Σ exp NaN below, and that the row.
    for (; c < C4; c += 4) mv = f32x4.pmax(mv, v128.load(x + (<usize>c << 2)));
    let mx = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    let nan = false;
    for (; c < C; c++) {
      const v = load<f32>(x + (<usize>c << 2));
      if (v > mx) mx = v;
      if (v != v) nan = true;
    }
    const m4 = f32x4.splat(mx);
    let sv = f64x2.splat(0);
    c = 0;
    for (; c < C4; c += 4) {
      const e = vexp(f32x4.sub(v128.load(x + (<usize>c << 2)), m4));
      v128.store(p + (<usize>c << 2), e);
      sv = f64x2.add(sv, f64x2.add(f64x2.promote_low_f32x4(e), f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1))));
    }
    let sum = f64x2.extract_lane(sv, 0) + f64x2.extract_lane(sv, 1);
    for (; c < C; c++) {
      const e = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(x + (<usize>c << 2)) - mx)), 0);
      store<f32>(p + (<usize>c << 2), e);
      sum += <f64>e;
    }
    if (sum != sum) nan = true;
    if (nan) {
      for (c = 0; c < C; c++) store<f32>(p + (<usize>c << 2), NaN);
      store<f64>(parts + (<usize>r << 4), NaN);
      store<f64>(parts + (<usize>r << 4), NaN, 8);
      continue;
    }
    const invf = <f32>(1.0 / sum);
    const inv = f32x4.splat(invf);
    c = 0;
    for (; c < C4; c += 4) v128.store(p + (<usize>c << 2), f32x4.mul(v128.load(p + (<usize>c << 2)), inv));
    for (; c < C; c++) store<f32>(p + (<usize>c << 2), load<f32>(p + (<usize>c << 2)) * invf);
    const label = load<i32>(labels + (<usize>r << 2));
    const inside = label >= 0 && label < C;
    store<f64>(parts + (<usize>r << 4), inside ? <f64>mx - <f64>load<f32>(x + (<usize>label << 2)) : 0);
    store<f64>(parts + (<usize>r << 4), inside ? sum : 1, 8);
  }
}

/**
 * Row-wise log-softmax in two phases (log stays in the caller, as for softmaxXent).
 * args: 0 N, 1 C, 2 x [N,C], 3 parts [N, 2] (f64), 4 y [N,C], 5 phase.
 * Phase 0: parts = (m, Σ exp(x - m)) per row, m the max (NaN if the row holds one).
 * Phase 1 (the caller has replaced Σ by its log l): y = (x - m) - l.
 */
export function logSoftmax(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const N = arg(args, 0), C = arg(args, 1);
  const xs = ptr(args, 2), parts = ptr(args, 3), ys = ptr(args, 4);
  const phase = arg(args, 5);
  const n0 = <i32>((<i64>tid * N) / nt), n1 = <i32>((<i64>(tid + 1) * N) / nt);
  const C4 = C & ~3;
  for (let r = n0; r < n1; r++) {
    const x = xs + (<usize>r * <usize>C << 2);
    const part = parts + (<usize>r << 4);
    if (phase == 1) {
      const m4 = f32x4.splat(<f32>load<f64>(part));
      const lf = <f32>load<f64>(part, 8);
      const l4 = f32x4.splat(lf);
      const mf = <f32>load<f64>(part);
      const y = ys + (<usize>r * <usize>C << 2);
      let c = 0;
      for (; c < C4; c += 4) v128.store(y + (<usize>c << 2), f32x4.sub(f32x4.sub(v128.load(x + (<usize>c << 2)), m4), l4));
      for (; c < C; c++) store<f32>(y + (<usize>c << 2), (load<f32>(x + (<usize>c << 2)) - mf) - lf);
      continue;
    }
    let mv = f32x4.splat(-Infinity);
    let c = 0;
    // pmax (one maxps) skips NaN lanes; a NaN makes Σ exp, and so the row, NaN.
    for (; c < C4; c += 4) mv = f32x4.pmax(mv, v128.load(x + (<usize>c << 2)));
    let mx = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    let nan = false;
    for (; c < C; c++) {
      const v = load<f32>(x + (<usize>c << 2));
      if (v > mx) mx = v;
      if (v != v) nan = true;
    }
    if (nan) mx = NaN;
    const m4 = f32x4.splat(mx);
    // Two chains of f64 sums, eight values a turn: one chain waits on the adds' latency.
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    const C8 = C & ~7;
    c = 0;
    for (; c < C8; c += 8) {
      const e0 = vexp(f32x4.sub(v128.load(x + (<usize>c << 2)), m4));
      const e1 = vexp(f32x4.sub(v128.load(x + (<usize>c << 2), 16), m4));
      s0 = f64x2.add(s0, f64x2.add(f64x2.promote_low_f32x4(e0), f64x2.promote_low_f32x4(i32x4.shuffle(e0, e0, 2, 3, 0, 1))));
      s1 = f64x2.add(s1, f64x2.add(f64x2.promote_low_f32x4(e1), f64x2.promote_low_f32x4(i32x4.shuffle(e1, e1, 2, 3, 0, 1))));
    }
    for (; c < C4; c += 4) {
      const e = vexp(f32x4.sub(v128.load(x + (<usize>c << 2)), m4));
      s0 = f64x2.add(s0, f64x2.add(f64x2.promote_low_f32x4(e), f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1))));
    }
    const sv = f64x2.add(s0, s1);
    let sum = f64x2.extract_lane(sv, 0) + f64x2.extract_lane(sv, 1);
    for (; c < C; c++) sum += <f64>f32x4.extract_lane(vexp(f32x4.splat(load<f32>(x + (<usize>c << 2)) - mx)), 0);
    store<f64>(part, <f64>mx);
    store<f64>(part, sum, 8);
  }
}

@inline function rotl4(x: v128, r: i32): v128 {
  return v128.or(i32x4.shl(x, r), i32x4.shr_u(x, 32 - r));
}

@inline function round4(x0: v128, x1: v128, r: i32): v128 {
  return v128.xor(rotl4(x1, r), x0);
}

/**
 * Bernoulli masks from Threefry-2x32-20, four counters at a time. args: 0 n, 1 out,
 * 2 k0, 3 k1, 4 threshold (out[i] = 1 when the top 24 bits of the first output word for
 * counter (i, 0) are below it, else 0; `randomBernoulli`'s u < p in integers), 5 counter
 * offset (the index of out[0]). Only for tensors of fewer than 2^32 elements.
 */
export function bernoulli(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const n = arg(args, 0), out = ptr(args, 1);
  const k0 = <u32>arg(args, 2), k1 = <u32>arg(args, 3), threshold = arg(args, 4);
  const ks0 = i32x4.splat(k0), ks1 = i32x4.splat(k1), ks2 = i32x4.splat(0x1bd11bda ^ k0 ^ k1);
  const one = f32x4.splat(1), zero = f32x4.splat(0), t4 = i32x4.splat(threshold);
  const i0 = share(n, tid, nt), i1 = share(n, tid + 1, nt);
  for (let i = i0; i < i1; i += 4) {
    // Threefry's 20 rounds written out: a loop would make the rotations and key words runtime values.
    let x0 = i32x4.add(i32x4(i, i + 1, i + 2, i + 3), ks0);
    let x1 = ks1;
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 13);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 15);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 26);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 6);
    x0 = i32x4.add(x0, ks1); x1 = i32x4.add(x1, i32x4.add(ks2, i32x4.splat(1)));
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 17);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 29);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 16);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 24);
    x0 = i32x4.add(x0, ks2); x1 = i32x4.add(x1, i32x4.add(ks0, i32x4.splat(2)));
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 13);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 15);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 26);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 6);
    x0 = i32x4.add(x0, ks0); x1 = i32x4.add(x1, i32x4.add(ks1, i32x4.splat(3)));
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 17);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 29);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 16);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 24);
    x0 = i32x4.add(x0, ks1); x1 = i32x4.add(x1, i32x4.add(ks2, i32x4.splat(4)));
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 13);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 15);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 26);
    x0 = i32x4.add(x0, x1); x1 = round4(x0, x1, 6);
    x0 = i32x4.add(x0, ks2);
    // top 24 bits < threshold (both non-negative as i32)
    const keep = i32x4.lt_s(i32x4.shr_u(x0, 8), t4);
    v128.store(out + (<usize>i << 2), v128.bitselect(one, zero, keep));
  }
}

/** Operation codes of `binary` (the same order as BINARY_CODES in src/wasm/kernels.ts). */
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAXIMUM = 4, GREATER = 5, EQUAL = 6;

@inline function apply(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    // Math.max semantics: NaN if either is NaN (wasm's f32x4.max propagates NaN).
    case MAXIMUM: return f32x4.max(a, b);
    case GREATER: return v128.and(f32x4.gt(a, b), f32x4.splat(1));
    default: return v128.and(f32x4.eq(a, b), f32x4.splat(1));
  }
}

@inline function row(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, c0: i32, c1: i32): void {
  // sa, sb: 1 (contiguous) or 0 (one value broadcast along the row)
  const av = sa == 0 ? v128.load32_splat(a) : f32x4.splat(0);
  const bv = sb == 0 ? v128.load32_splat(b) : f32x4.splat(0);
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    const o = <usize>c << 2;
    const x = sa == 0 ? av : v128.load(a + o);
    const y = sb == 0 ? bv : v128.load(b + o);
    v128.store(out + o, apply(op, x, y));
  }
  for (; c < c1; c++) {
    const o = <usize>c << 2;
    const x = f32x4.splat(load<f32>(a + (sa == 0 ? 0 : o)));
    const y = f32x4.splat(load<f32>(b + (sb == 0 ? 0 : o)));
    store<f32>(out + o, f32x4.extract_lane(apply(op, x, y), 0));
  }
}

/**
 * Broadcasting float32 binary op over [rows, cols] (the caller coalesces shapes to at
 * most two dimensions). args: 0 op, 1 rows, 2 cols, 3 a, 4 a row stride, 5 a column
 * stride (0 or 1), 6 b, 7 b row stride, 8 b column stride, 9 out (dense). Threads split
 * the rows, or the columns (in multiples of 4) when there are fewer rows than threads.
 * Compares write 1 or 0 (NaN compares false).
 */
export function binary(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const op = arg(args, 0), rows = arg(args, 1), cols = arg(args, 2);
  const a = ptr(args, 3), ar = arg(args, 4), ac = arg(args, 5);
  const b = ptr(args, 6), br = arg(args, 7), bc = arg(args, 8);
  const out = ptr(args, 9);
  let r0 = 0, r1 = rows, c0 = 0, c1 = cols;
  if (rows >= nt) {
    r0 = <i32>((<i64>tid * rows) / nt);
    r1 = <i32>((<i64>(tid + 1) * rows) / nt);
  } else {
    c0 = share(cols, tid, nt);
    c1 = share(cols, tid + 1, nt);
  }
  for (let r = r0; r < r1; r++) {
    const ap = a + (<usize>r * <usize>ar << 2);
    const bp = b + (<usize>r * <usize>br << 2);
    const op_ = out + (<usize>r * <usize>cols << 2);
    // Specialised loops for each operation and broadcast pattern (the switch is hoisted).
    // Written out: an @inline helper taking the pattern left 9 loops of these 45 (per-element dispatch).
    if (ac == 1 && bc == 1) {
      switch (op) {
        case ADD: row(ADD, ap, 1, bp, 1, op_, c0, c1); break;
        case SUB: row(SUB, ap, 1, bp, 1, op_, c0, c1); break;
        case MUL: row(MUL, ap, 1, bp, 1, op_, c0, c1); break;
        case DIV: row(DIV, ap, 1, bp, 1, op_, c0, c1); break;
        case MAXIMUM: row(MAXIMUM, ap, 1, bp, 1, op_, c0, c1); break;
        case GREATER: row(GREATER, ap, 1, bp, 1, op_, c0, c1); break;
        default: row(EQUAL, ap, 1, bp, 1, op_, c0, c1);
      }
    } else if (ac == 1) {
      switch (op) {
        case ADD: row(ADD, ap, 1, bp, 0, op_, c0, c1); break;
        case SUB: row(SUB, ap, 1, bp, 0, op_, c0, c1); break;
        case MUL: row(MUL, ap, 1, bp, 0, op_, c0, c1); break;
        case DIV: row(DIV, ap, 1, bp, 0, op_, c0, c1); break;
        case MAXIMUM: row(MAXIMUM, ap, 1, bp, 0, op_, c0, c1); break;
        case GREATER: row(GREATER, ap, 1, bp, 0, op_, c0, c1); break;
        default: row(EQUAL, ap, 1, bp, 0, op_, c0, c1);
      }
    } else if (bc == 1) {
      switch (op) {
        case ADD: row(ADD, ap, 0, bp, 1, op_, c0, c1); break;
        case SUB: row(SUB, ap, 0, bp, 1, op_, c0, c1); break;
        case MUL: row(MUL, ap, 0, bp, 1, op_, c0, c1); break;
        case DIV: row(DIV, ap, 0, bp, 1, op_, c0, c1); break;
        case MAXIMUM: row(MAXIMUM, ap, 0, bp, 1, op_, c0, c1); break;
        case GREATER: row(GREATER, ap, 0, bp, 1, op_, c0, c1); break;
        default: row(EQUAL, ap, 0, bp, 1, op_, c0, c1);
      }
    } else {
      row(op, ap, 0, bp, 0, op_, c0, c1);
    }
  }
}

// This thread's share of a reduction over x [P, R, Q], set by reductionShare (globals are
// per instance, so per thread).
let shareP0 = 0, shareP1 = 0, shareQ0 = 0, shareQ1 = 0;

/** Threads split P, or else Q (in multiples of 4) when Q is wide, or else thread 0 runs alone; false: no share. */
function reductionShare(P: i32, Q: i32, tid: i32, nt: i32): bool {
  shareP0 = 0;
  shareP1 = P;
  shareQ0 = 0;
  shareQ1 = Q;
  if (P >= nt) {
    shareP0 = <i32>((<i64>tid * P) / nt);
    shareP1 = <i32>((<i64>(tid + 1) * P) / nt);
  } else if (Q >= 16 * nt) {
    shareQ0 = share(Q, tid, nt);
    shareQ1 = share(Q, tid + 1, nt);
  } else if (tid > 0) {
    return false;
  }
  return true;
}

/**
 * float32 sum over the middle axis of x viewed as [P, R, Q] (the caller merges the
 * reduced axes into R), accumulated in f64 and rounded once: out[p, q] = Σ_r x[p, r, q].
 * args: 0 P, 1 R, 2 Q, 3 x, 4 out, 5 scratch (Q f64 per thread), 6 scratch stride.
 * Threads split P, or else Q (in multiples of 4) when Q is wide, or else one runs.
 */
export function reduceSum(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const P = arg(args, 0), R = arg(args, 1), Q = arg(args, 2);
  const x = ptr(args, 3), out = ptr(args, 4);
  const acc = ptr(args, 5) + <usize>tid * ptr(args, 6);
  if (!reductionShare(P, Q, tid, nt)) return;
  const p0 = shareP0, p1 = shareP1, q0 = shareQ0, q1 = shareQ1;
  for (let p = p0; p < p1; p++) {
    const base = x + (<usize>p * <usize>R * <usize>Q << 2);
    if (Q == 1) {
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
      let r = 0;
      for (; r + 4 <= R; r += 4) {
        const v = v128.load(base + (<usize>r << 2));
        s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
        s1 = f64x2.add(s1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
      }
      let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
      for (; r < R; r++) s += <f64>load<f32>(base + (<usize>r << 2));
      store<f32>(out + (<usize>p << 2), <f32>s);
      continue;
    }
    for (let q = q0; q < q1; q++) store<f64>(acc + (<usize>q << 3), 0);
    for (let r = 0; r < R; r++) {
      const row = base + (<usize>r * <usize>Q << 2);
      let q = q0;
      for (; q + 4 <= q1; q += 4) {
        const v = v128.load(row + (<usize>q << 2));
        const a = acc + (<usize>q << 3);
        v128.store(a, f64x2.add(v128.load(a), f64x2.promote_low_f32x4(v)));
        v128.store(a, f64x2.add(v128.load(a, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
      }
      for (; q < q1; q++) {
        const a = acc + (<usize>q << 3);
        store<f64>(a, load<f64>(a) + <f64>load<f32>(row + (<usize>q << 2)));
      }
    }
    const o = out + (<usize>p * <usize>Q << 2);
    for (let q = q0; q < q1; q++) store<f32>(o + (<usize>q << 2), <f32>load<f64>(acc + (<usize>q << 3)));
  }
}

/**
 * float32 max over the middle axis of x viewed as [P, R, Q]: out[p, q] = max_r x[p, r, q],
 * NaN if any is NaN. Vectorised across q (4 columns a lane set; narrow tails and Q < 4
 * scalar), each lane walking r in order and keeping the first of equal values (pmax),
 * so -0 before +0 gives -0 exactly as kernels/reduce.ts does.
 * args: 0 P, 1 R, 2 Q, 3 x, 4 out. Threads split P, or else Q (in multiples of 4).
 */
export function reduceMax(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const P = arg(args, 0), R = arg(args, 1), Q = arg(args, 2);
  const x = ptr(args, 3), out = ptr(args, 4);
  if (!reductionShare(P, Q, tid, nt)) return;
  const p0 = shareP0, p1 = shareP1, q0 = shareQ0, q1 = shareQ1;
  for (let p = p0; p < p1; p++) {
    const base = x + (<usize>p * <usize>R * <usize>Q << 2);
    const o = out + (<usize>p * <usize>Q << 2);
    for (let q = q0; q < q1; q++) store<f32>(o + (<usize>q << 2), -Infinity);
    // Rows in memory order, folded into out; a NaN lane stays NaN (pmax keeps its
    // first operand when the comparison fails).
    for (let r = 0; r < R; r++) {
      const row = base + (<usize>r * <usize>Q << 2);
      let q = q0;
      for (; q + 4 <= q1; q += 4) {
        const a = o + (<usize>q << 2);
        const v = v128.load(row + (<usize>q << 2));
        v128.store(a, v128.bitselect(v, f32x4.pmax(v128.load(a), v), f32x4.ne(v, v)));
      }
      for (; q < q1; q++) {
        const a = o + (<usize>q << 2);
        const v = load<f32>(row + (<usize>q << 2));
        const m = load<f32>(a);
        if (v > m || v != v) store<f32>(a, v);
      }
    }
  }
}

/** Operation codes of `unary` (the order of UNARY_CODES in src/wasm/kernels.ts). */
const EXP = 0, TANH = 1, SIGMOID = 2, NEG = 3, ABS = 4, SQRT = 5, RELU = 6;

/**
 * e^x over the whole float range: vexp clamps its input to [-87, 88]; outside, e^x =
 * (e^(x/2))², which overflows to +Inf and underflows through the subnormals to 0 as exp
 * does. NaN stays NaN.
 */
@inline function vexpFull(x: v128): v128 {
  const h = vexp(f32x4.mul(x, f32x4.splat(0.5)));
  const outside = v128.or(f32x4.gt(x, f32x4.splat(88)), f32x4.lt(x, f32x4.splat(-87)));
  const e = v128.bitselect(f32x4.mul(h, h), vexp(x), outside);
  return v128.bitselect(x, e, f32x4.ne(x, x));
}

@inline function applyUnary(op: i32, x: v128): v128 {
  switch (op) {
    case EXP: return vexpFull(x);
    case TANH: return vtanh(x);
    case SIGMOID: {
      // The stable form of the TypeScript kernel: 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x)
      // below, so the limits are exactly 0 and 1.
      const one = f32x4.splat(1);
      const e = vexpFull(f32x4.neg(f32x4.abs(x)));
      const r = f32x4.div(one, f32x4.add(one, e));
      return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, f32x4.splat(0)));
    }
    case NEG: return f32x4.neg(x);
    case ABS: return f32x4.abs(x);
    case SQRT: return f32x4.sqrt(x);
    // Math.max(x, 0): NaN stays NaN.
    default: return v128.bitselect(x, f32x4.max(x, f32x4.splat(0)), f32x4.ne(x, x));
  }
}

@inline function unaryRun(op: i32, x: usize, out: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) v128.store(out + (<usize>i << 2), applyUnary(op, v128.load(x + (<usize>i << 2))));
  for (; i < i1; i++) store<f32>(out + (<usize>i << 2), f32x4.extract_lane(applyUnary(op, f32x4.splat(load<f32>(x + (<usize>i << 2)))), 0));
}

/** float32 unary op. args: 0 op, 1 n, 2 x, 3 out. Threads split the elements. */
export function unary(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const op = arg(args, 0), n = arg(args, 1), x = ptr(args, 2), out = ptr(args, 3);
  const i0 = share(n, tid, nt), i1 = share(n, tid + 1, nt);
  switch (op) {
    case EXP: unaryRun(EXP, x, out, i0, i1); break;
    case TANH: unaryRun(TANH, x, out, i0, i1); break;
    case SIGMOID: unaryRun(SIGMOID, x, out, i0, i1); break;
    case NEG: unaryRun(NEG, x, out, i0, i1); break;
    case ABS: unaryRun(ABS, x, out, i0, i1); break;
    case SQRT: unaryRun(SQRT, x, out, i0, i1); break;
    default: unaryRun(RELU, x, out, i0, i1);
  }
}
