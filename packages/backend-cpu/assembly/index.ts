// cellstate CPU kernels in WebAssembly SIMD128, built with AssemblyScript
// (`pnpm --filter @cellstate/backend-cpu build:wasm`). No runtime, no allocation: every
// pointer comes from the JavaScript side (src/wasm/), which owns the linear memory.
//
// Jobs take (args, tid, nt, canWait): an i32 argument block in linear memory, this
// thread's index, the thread count and whether this thread may block in atomic.wait.

import { MR, NR, MC, KC, NC, GEMM_SCRATCH_BYTES, TILE_BYTES, addrA, addrB, gemmBlock, packB, packBAll, panelWidth } from './gemm';

export { MR, NR, MC, KC, NC, GEMM_SCRATCH_BYTES };
export { lstmForward, lstmBackward } from './lstm';
export { sigmoidf, tanhf } from './math';
export { adam, softmaxXent, bernoulli, binary, reduceSum, reduceMax, unary, logSoftmax } from './elementwise';

/**
 * GEMM job. args: 0 m, 1 n, 2 k, 3 a, 4 lda, 5 transA, 6 b, 7 ldb, 8 transB, 9 c, 10 ldc,
 * 11 mode (0 =, 1 +=, 2 = bias +), 12 bias, 13 scratch, 14 scratch stride, 15 packed B
 * (0: none; else `packBAll`'s output for this b, and b is unused).
 * Threads split the rows (in blocks of MR) when there are enough, else the columns.
 */
export function gemm(args: usize, tid: i32, nt: i32, canWait: i32): void {
  const m = load<i32>(args), n = load<i32>(args, 4), k = load<i32>(args, 8);
  const a = <usize>load<u32>(args, 12), lda = load<i32>(args, 16), transA = load<i32>(args, 20) != 0;
  const b = <usize>load<u32>(args, 24), ldb = load<i32>(args, 28), transB = load<i32>(args, 32) != 0;
  const c = <usize>load<u32>(args, 36), ldc = load<i32>(args, 40), mode = load<i32>(args, 44);
  const bias = <usize>load<u32>(args, 48);
  const scratch = <usize>load<u32>(args, 52) + <usize>tid * <usize>load<u32>(args, 56);
  const packed = <usize>load<u32>(args, 60);
  const nPad = panelWidth(n);
  if (nt <= 1) {
    gemmBlock(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, mode, bias, scratch, packed, nPad, 0);
    return;
  }
  const rowBlocks = (m + MR - 1) / MR;
  const colBlocks = (n + NR - 1) / NR;
  if (rowBlocks >= 2 * nt && (m >= n || colBlocks < 2 * nt)) {
    const i0 = min(m, <i32>((<i64>tid * rowBlocks) / nt) * MR);
    const i1 = min(m, <i32>((<i64>(tid + 1) * rowBlocks) / nt) * MR);
    if (i1 > i0) gemmBlock(i1 - i0, n, k, addrA(a, lda, transA, i0, 0), lda, transA, b, ldb, transB, c + (<usize>i0 * <usize>ldc << 2), ldc, mode, bias, scratch, packed, nPad, 0);
  } else {
    const j0 = min(n, <i32>((<i64>tid * colBlocks) / nt) * NR);
    const j1 = min(n, <i32>((<i64>(tid + 1) * colBlocks) / nt) * NR);
    if (j1 > j0) gemmBlock(m, j1 - j0, k, a, lda, transA, addrB(b, ldb, transB, 0, j0), ldb, transB, c + (<usize>j0 << 2), ldc, mode, bias + (<usize>j0 << 2), scratch, packed, nPad, j0);
  }
}

/**
 * Packs a weight ahead of time. args: 0 n, 1 k, 2 b, 3 ldb, 4 transB, 5 dst (nPad·k
 * floats, nPad = n rounded up to NR), 6 layout: 0 the GEMM job's packed B (`packBAll`,
 * KC blocks), 1 one run of NR-column panels over all k (`packB`: the LSTM forward's
 * recurrent weight). One thread.
 */
export function packWeight(args: usize, tid: i32, nt: i32, canWait: i32): void {
  if (tid != 0) return;
  const n = load<i32>(args), k = load<i32>(args, 4), b = <usize>load<u32>(args, 8), ldb = load<i32>(args, 12), transB = load<i32>(args, 16) != 0;
  const dst = <usize>load<u32>(args, 20);
  if (load<i32>(args, 24) == 1) packB(b, ldb, transB, n, k, dst);
  else packBAll(b, ldb, transB, n, k, dst);
}

// Keep TILE_BYTES referenced for the layout comment in gemm.ts.
export const SCRATCH_TILE_BYTES: i32 = TILE_BYTES;
