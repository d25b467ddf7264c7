// Packed, register-blocked f32 GEMM with WebAssembly SIMD128 (BLIS plan).
//
//   C [m x n] = (mode) + op(A) [m x k] · op(B) [k x n]
//   mode 0: C = A·B;  mode 1: C += A·B;  mode 2: C = bias (a row of n values) + A·B
//   A(i, p) = transA ? a[p*lda + i] : a[i*lda + p]
//   B(p, j) = transB ? b[j*ldb + p] : b[p*ldb + j]
//
// Pointers are byte addresses in linear memory; leading dimensions count floats.
// op(A) is packed into panels of MR rows (p-major, MR floats per p), op(B) into panels of
// NR columns (NR floats per p), both zero-padded, so the microkernel reads two contiguous
// streams. The microkernel keeps MR x NR = 5 x 8 results in ten f32x4 registers: measured
// on V8 (x64, 16 xmm registers, one kept as scratch) 5x8 beats 4x8, 6x8 (spills) and 8x4.

export const MR: i32 = 5;
export const NR: i32 = 8;
// Cache blocking: a KC x NR panel of B (8 KiB) stays in L1 while the MC x KC block of A
// (120 KiB) streams from L2; the KC x NC block of B is 512 KiB.
export const MC: i32 = 120;
export const KC: i32 = 256;
export const NC: i32 = 512;

/** Bytes of per-thread scratch gemmBlock needs: the edge tile, bias tile, packed A and B blocks. */
export const TILE_BYTES: i32 = 256;
export const GEMM_SCRATCH_BYTES: i32 = TILE_BYTES + MC * KC * 4 + KC * NC * 4;
/**
 * Where a scratch's packed-B block starts, and its size in floats. gemmBlock leaves it
 * alone while it reads a `packedB`, so a caller that runs many GEMMs by the same weight
 * (an LSTM's per-step input projection) can pack the weight there once.
 */
export const SCRATCH_B_OFFSET: i32 = TILE_BYTES + MC * KC * 4;
export const SCRATCH_B_FLOATS: i32 = KC * NC;

/**
 * c + a·b. Built twice: with relaxed SIMD, `f32x4.relaxed_madd` (one FMA on x64 with FMA3
 * and on ARM: twice the multiply-add rate, and one rounding instead of two); without it,
 * a multiply then an add, the same order of operations.
 */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// --- microkernels: rows = 1..5 of a panel of A, one panel of B (8 columns)
// a advances MR floats per p (panels are padded to MR rows), b advances NR floats.

// kern5..kern2 written out: one @inline kernel over ROWS reordered the C loads and ran the LSTM forward (W1) ~5% slower.
export function kern5(k: i32, a: usize, b: usize, c: usize, ldc: usize, mode: i32, bias: usize): void {
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128, c40: v128, c41: v128;
  if (mode == 1) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
    c40 = v128.load(c + 4 * ldc); c41 = v128.load(c + 4 * ldc, 16);
  } else if (mode == 2) {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
    c10 = c00; c11 = c01; c20 = c00; c21 = c01; c30 = c00; c31 = c01; c40 = c00; c41 = c01;
  } else {
    c00 = f32x4.splat(0); c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00; c30 = c00; c31 = c00; c40 = c00; c41 = c00;
  }
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
    av = v128.load32_splat(a, 16);
    c40 = madd(av, b0, c40); c41 = madd(av, b1, c41);
    a += 20;
    b += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16); c += ldc;
  v128.store(c, c40); v128.store(c, c41, 16);
}

export function kern4(k: i32, a: usize, b: usize, c: usize, ldc: usize, mode: i32, bias: usize): void {
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128;
  if (mode == 1) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  } else if (mode == 2) {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
    c10 = c00; c11 = c01; c20 = c00; c21 = c01; c30 = c00; c31 = c01;
  } else {
    c00 = f32x4.splat(0); c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00; c30 = c00; c31 = c00;
  }
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
    a += 20;
    b += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16);
}

export function kern3(k: i32, a: usize, b: usize, c: usize, ldc: usize, mode: i32, bias: usize): void {
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128;
  if (mode == 1) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
  } else if (mode == 2) {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
    c10 = c00; c11 = c01; c20 = c00; c21 = c01;
  } else {
    c00 = f32x4.splat(0); c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00;
  }
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    a += 20;
    b += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16);
}

export function kern2(k: i32, a: usize, b: usize, c: usize, ldc: usize, mode: i32, bias: usize): void {
  let c00: v128, c01: v128, c10: v128, c11: v128;
  if (mode == 1) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
  } else if (mode == 2) {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
    c10 = c00; c11 = c01;
  } else {
    c00 = f32x4.splat(0); c01 = c00; c10 = c00; c11 = c00;
  }
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    a += 20;
    b += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16);
}

/** One row: two independent accumulator pairs over even / odd p hide the add latency. */
export function kern1(k: i32, a: usize, b: usize, c: usize, ldc: usize, mode: i32, bias: usize): void {
  let c00: v128, c01: v128;
  if (mode == 1) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
  } else if (mode == 2) {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
  } else {
    c00 = f32x4.splat(0); c01 = c00;
  }
  let e00 = f32x4.splat(0);
  let e01 = e00;
  let p = 0;
  for (; p + 2 <= k; p += 2) {
    let av = v128.load32_splat(a);
    c00 = madd(av, v128.load(b), c00); c01 = madd(av, v128.load(b, 16), c01);
    av = v128.load32_splat(a, 20);
    e00 = madd(av, v128.load(b, 32), e00); e01 = madd(av, v128.load(b, 48), e01);
    a += 40;
    b += 64;
  }
  if (p < k) {
    const av = v128.load32_splat(a);
    c00 = madd(av, v128.load(b), c00); c01 = madd(av, v128.load(b, 16), c01);
  }
  v128.store(c, f32x4.add(c00, e00));
  v128.store(c, f32x4.add(c01, e01), 16);
}

@inline function kern(rows: i32, k: i32, a: usize, b: usize, c: usize, ldc: usize, mode: i32, bias: usize): void {
  if (rows == 5) kern5(k, a, b, c, ldc, mode, bias);
  else if (rows == 4) kern4(k, a, b, c, ldc, mode, bias);
  else if (rows == 3) kern3(k, a, b, c, ldc, mode, bias);
  else if (rows == 2) kern2(k, a, b, c, ldc, mode, bias);
  else kern1(k, a, b, c, ldc, mode, bias);
}

/**
 * C [m x n] (mode) A·B for packed A (panels of MR rows, k deep) and packed B (panels of NR
 * columns, k deep); c points at C(0, 0), ldc in floats, bias at the block's first column.
 * `tile` is TILE_BYTES of scratch for the last, partial column panel.
 */
export function macroKernel(m: i32, n: i32, k: i32, pa: usize, pb: usize, c: usize, ldc: i32, mode: i32, bias: usize, tile: usize): void {
  const ldcB = <usize>ldc << 2;
  const panelA = <usize>(k * MR) << 2;
  const panelB = <usize>(k * NR) << 2;
  for (let j = 0; j < n; j += NR) {
    const cols = min(NR, n - j);
    const bj = pb + <usize>(j / NR) * panelB;
    if (cols == NR) {
      const biasJ = bias + (<usize>j << 2);
      for (let i = 0; i < m; i += MR) {
        kern(min(MR, m - i), k, pa + <usize>(i / MR) * panelA, bj, c + <usize>i * ldcB + (<usize>j << 2), ldcB, mode, biasJ);
      }
    } else {
      // Partial panel: compute into an MR x NR tile, copy the valid columns.
      const tb = tile + <usize>(MR * NR * 4);
      if (mode == 2) {
        for (let q = 0; q < NR; q++) store<f32>(tb + (<usize>q << 2), q < cols ? load<f32>(bias + (<usize>(j + q) << 2)) : 0);
      }
      for (let i = 0; i < m; i += MR) {
        const rows = min(MR, m - i);
        const ci = c + <usize>i * ldcB + (<usize>j << 2);
        if (mode == 1) {
          for (let r = 0; r < rows; r++) {
            for (let q = 0; q < NR; q++) {
              store<f32>(tile + (<usize>(r * NR + q) << 2), q < cols ? load<f32>(ci + <usize>r * ldcB + (<usize>q << 2)) : 0);
            }
          }
        }
        kern(rows, k, pa + <usize>(i / MR) * panelA, bj, tile, NR * 4, mode, tb);
        for (let r = 0; r < rows; r++) {
          for (let q = 0; q < cols; q++) {
            store<f32>(ci + <usize>r * ldcB + (<usize>q << 2), load<f32>(tile + (<usize>(r * NR + q) << 2)));
          }
        }
      }
    }
  }
}

// --- packing

/**
 * op(A) rows [0, m), columns [0, k) -> panels of MR rows: dst[(ip*k + p)*MR + r] = A(ip*MR + r, p),
 * rows past m zero. `a` points at A(0, 0).
 */
export function packA(a: usize, lda: i32, transA: bool, m: i32, k: i32, dst: usize): void {
  const ldaB = <usize>lda << 2;
  for (let i = 0; i < m; i += MR) {
    const rows = min(MR, m - i);
    let d = dst + <usize>(i / MR) * (<usize>(k * MR) << 2);
    if (!transA) {
      const r0 = a + <usize>i * ldaB;
      if (rows == MR) {
        const r1 = r0 + ldaB, r2 = r1 + ldaB, r3 = r2 + ldaB, r4 = r3 + ldaB;
        let p = 0;
        // packA's and packB's 4 x 4 transposes written out: v128.store offsets must be literals in AssemblyScript.
        // Four columns at a time: load 4 consecutive p from each row, write p-major.
        for (; p + 4 <= k; p += 4) {
          const off = <usize>p << 2;
          const v0 = v128.load(r0 + off), v1 = v128.load(r1 + off), v2 = v128.load(r2 + off), v3 = v128.load(r3 + off);
          const v4 = v128.load(r4 + off);
          // rows 0-3 of the 4 columns, transposed: t_q = (A(0,p+q), A(1,p+q), A(2,p+q), A(3,p+q))
          const s0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
          const s1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
          const s2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
          const s3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
          v128.store(d, i32x4.shuffle(s0, s2, 0, 1, 4, 5));
          store<f32>(d, f32x4.extract_lane(v4, 0), 16);
          v128.store(d, i32x4.shuffle(s0, s2, 2, 3, 6, 7), 20);
          store<f32>(d, f32x4.extract_lane(v4, 1), 36);
          v128.store(d, i32x4.shuffle(s1, s3, 0, 1, 4, 5), 40);
          store<f32>(d, f32x4.extract_lane(v4, 2), 56);
          v128.store(d, i32x4.shuffle(s1, s3, 2, 3, 6, 7), 60);
          store<f32>(d, f32x4.extract_lane(v4, 3), 76);
          d += 80;
        }
        for (; p < k; p++) {
          const off = <usize>p << 2;
          store<f32>(d, load<f32>(r0 + off));
          store<f32>(d, load<f32>(r1 + off), 4);
          store<f32>(d, load<f32>(r2 + off), 8);
          store<f32>(d, load<f32>(r3 + off), 12);
          store<f32>(d, load<f32>(r4 + off), 16);
          d += 20;
        }
      } else {
        for (let p = 0; p < k; p++) {
          const off = <usize>p << 2;
          for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(r0 + <usize>r * ldaB + off) : 0);
          d += 20;
        }
      }
    } else {
      // A(i, p) = a[p*lda + i]: the MR values of one p are contiguous.
      let s = a + (<usize>i << 2);
      if (rows == MR) {
        for (let p = 0; p < k; p++) {
          v128.store(d, v128.load(s));
          store<f32>(d, load<f32>(s, 16), 16);
          s += ldaB;
          d += 20;
        }
      } else {
        for (let p = 0; p < k; p++) {
          for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(s + (<usize>r << 2)) : 0);
          s += ldaB;
          d += 20;
        }
      }
    }
  }
}

/**
 * op(B) rows [0, k), columns [0, n) -> panels of NR columns: dst[(jp*k + p)*NR + q] = B(p, jp*NR + q),
 * columns past n zero. `b` points at B(0, 0).
 */
export function packB(b: usize, ldb: i32, transB: bool, n: i32, k: i32, dst: usize): void {
  const ldbB = <usize>ldb << 2;
  for (let j = 0; j < n; j += NR) {
    const cols = min(NR, n - j);
    let d = dst + <usize>(j / NR) * (<usize>(k * NR) << 2);
    if (!transB) {
      // B(p, j) = b[p*ldb + j]: the NR values of one p are contiguous.
      let s = b + (<usize>j << 2);
      if (cols == NR) {
        for (let p = 0; p < k; p++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += ldbB;
          d += 32;
        }
      } else {
        for (let p = 0; p < k; p++) {
          for (let q = 0; q < NR; q++) store<f32>(d + (<usize>q << 2), q < cols ? load<f32>(s + (<usize>q << 2)) : 0);
          s += ldbB;
          d += 32;
        }
      }
    } else {
      // B(p, j) = b[j*ldb + p]: rows of b are columns of B; transpose 4 x 4 blocks.
      const r0 = b + <usize>j * ldbB;
      if (cols == NR) {
        const r1 = r0 + ldbB, r2 = r1 + ldbB, r3 = r2 + ldbB, r4 = r3 + ldbB, r5 = r4 + ldbB, r6 = r5 + ldbB, r7 = r6 + ldbB;
        let p = 0;
        for (; p + 4 <= k; p += 4) {
          const off = <usize>p << 2;
          let v0 = v128.load(r0 + off), v1 = v128.load(r1 + off), v2 = v128.load(r2 + off), v3 = v128.load(r3 + off);
          let s0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
          let s1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
          let s2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
          let s3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
          v128.store(d, i32x4.shuffle(s0, s2, 0, 1, 4, 5));
          v128.store(d, i32x4.shuffle(s0, s2, 2, 3, 6, 7), 32);
          v128.store(d, i32x4.shuffle(s1, s3, 0, 1, 4, 5), 64);
          v128.store(d, i32x4.shuffle(s1, s3, 2, 3, 6, 7), 96);
          v0 = v128.load(r4 + off); v1 = v128.load(r5 + off); v2 = v128.load(r6 + off); v3 = v128.load(r7 + off);
          s0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
          s1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
          s2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
          s3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
          v128.store(d, i32x4.shuffle(s0, s2, 0, 1, 4, 5), 16);
          v128.store(d, i32x4.shuffle(s0, s2, 2, 3, 6, 7), 48);
          v128.store(d, i32x4.shuffle(s1, s3, 0, 1, 4, 5), 80);
          v128.store(d, i32x4.shuffle(s1, s3, 2, 3, 6, 7), 112);
          d += 128;
        }
        for (; p < k; p++) {
          const off = <usize>p << 2;
          store<f32>(d, load<f32>(r0 + off));
          store<f32>(d, load<f32>(r1 + off), 4);
          store<f32>(d, load<f32>(r2 + off), 8);
          store<f32>(d, load<f32>(r3 + off), 12);
          store<f32>(d, load<f32>(r4 + off), 16);
          store<f32>(d, load<f32>(r5 + off), 20);
          store<f32>(d, load<f32>(r6 + off), 24);
          store<f32>(d, load<f32>(r7 + off), 28);
          d += 32;
        }
      } else {
        for (let p = 0; p < k; p++) {
          const off = <usize>p << 2;
          for (let q = 0; q < NR; q++) store<f32>(d + (<usize>q << 2), q < cols ? load<f32>(r0 + <usize>q * ldbB + off) : 0);
          d += 32;
        }
      }
    }
  }
}

/** Byte address of op(A)(i, p). */
@inline export function addrA(a: usize, lda: i32, transA: bool, i: i32, p: i32): usize {
  return a + ((transA ? <usize>p * <usize>lda + <usize>i : <usize>i * <usize>lda + <usize>p) << 2);
}

/** Byte address of op(B)(p, j). */
@inline export function addrB(b: usize, ldb: i32, transB: bool, p: i32, j: i32): usize {
  return b + ((transB ? <usize>j * <usize>ldb + <usize>p : <usize>p * <usize>ldb + <usize>j) << 2);
}

/** n rounded up to whole NR-column panels: the width of a packed B. */
@inline export function panelWidth(n: i32): i32 {
  return (n + NR - 1) / NR * NR;
}

/**
 * Packs all of op(B) [k x n] ahead of time (a weight read by many calls): for each KC
 * block of rows pc, the NR-column panels of packB side by side, so the panels of columns
 * [j, j + nc) of block pc start at dst + (pc·nPad + j·kc)·4 with nPad = n rounded up to
 * NR. `gemmBlock` reads them in place of packing B itself.
 */
export function packBAll(b: usize, ldb: i32, transB: bool, n: i32, k: i32, dst: usize): void {
  const nPad = <usize>panelWidth(n);
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    packB(addrB(b, ldb, transB, pc, 0), ldb, transB, n, kc, dst + (<usize>pc * nPad << 2));
  }
}

/**
 * One thread's GEMM over a block: C [m x n] (mode) op(A)·op(B), a / b / c / bias at the
 * block's origin. `scratch` holds GEMM_SCRATCH_BYTES (16-byte aligned). With `packedB`
 * (from `packBAll` over nPad columns; b is then unused) the block's columns start at
 * column `packedJ0` of the packed operand and B is not packed again.
 */
export function gemmBlock(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, mode: i32, bias: usize, scratch: usize,
  packedB: usize = 0, packedNPad: i32 = 0, packedJ0: i32 = 0,
): void {
  if (m <= 0 || n <= 0) return;
  const ldcB = <usize>ldc << 2;
  if (k <= 0) {
    if (mode == 1) return;
    for (let i = 0; i < m; i++) {
      const ci = c + <usize>i * ldcB;
      for (let j = 0; j < n; j++) store<f32>(ci + (<usize>j << 2), mode == 2 ? load<f32>(bias + (<usize>j << 2)) : 0);
    }
    return;
  }
  const tile = scratch;
  const pa = scratch + TILE_BYTES;
  const pb = scratch + <usize>SCRATCH_B_OFFSET;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      let bp = pb;
      if (packedB != 0) bp = packedB + ((<usize>pc * <usize>packedNPad + <usize>(packedJ0 + jc) * <usize>kc) << 2);
      else packB(addrB(b, ldb, transB, pc, jc), ldb, transB, nc, kc, pb);
      const md = pc == 0 ? mode : 1;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(addrA(a, lda, transA, ic, pc), lda, transA, mc, kc, pa);
        macroKernel(mc, nc, kc, pa, bp, c + <usize>ic * ldcB + (<usize>jc << 2), ldc, md, bias + (<usize>jc << 2), tile);
      }
    }
  }
}
