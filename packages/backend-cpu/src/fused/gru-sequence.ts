import type { GruSequenceArgs, GruSequenceBackwardArgs, GruSequenceGradients, GruSequenceResult } from '@cellstate/tensor';
import { gruReserveLayout } from '@cellstate/tensor/backend-kit';
import type { CpuStorage } from '../cpu-storage.js';
import { gruSequenceBackward as gruSequenceBackwardKernel } from '../kernels/gru-sequence-backward.js';
import { gruSequence as gruSequenceKernel, type GemmNT } from '../kernels/gru-sequence.js';
import { gemmNT } from '../kernels/matmul.js';
import type { WasmKernels } from '../wasm/kernels.js';
import { checkReserve, recurrentOperands } from './recurrent-operands.js';

// Below this many multiply-adds copying operands into WebAssembly memory costs more than
// the SIMD saves (the same default as the backend's matmul, `minWasmMatmul`).
const MIN_WASM_GEMM = 4096;

/** The GEMM the GRU kernels run: WebAssembly SIMD (threads too) when it is ready and pays, else TypeScript. */
function gemmFor(wasm: WasmKernels | null): GemmNT {
  if (!wasm) return gemmNT;
  return (m, n, k, ...rest) => {
    if (m * n * k >= MIN_WASM_GEMM && wasm.gemmNT(m, n, k, ...rest)) return;
    gemmNT(m, n, k, ...rest);
  };
}

/** The fused GRU forward of `CpuBackend` (kernels/gru-sequence.ts on the WebAssembly or TypeScript GEMM). */
export function gruSequence(s: CpuStorage, wasm: WasmKernels | null, args: GruSequenceArgs): GruSequenceResult {
  const op = 'gruSequence';
  const { T, B, I, H, x, wIh, wHh, lengths } = recurrentOperands(s, args, op);
  const y = s.f32(T * B * H);
  const hT = s.f32(B * H);
  const size = gruReserveLayout(T, B, H).size;
  const reserve = s.f32(size);
  gruSequenceKernel(gemmFor(wasm), x, wIh, wHh, s.float(args.bIh, op), s.float(args.bHh, op), s.float(args.h0, op), lengths, args.reverse, T, B, I, H, y, hT, reserve);
  return { y: s.store(y, [T, B, H]), hT: s.store(hT, [B, H]), reserve: s.store(reserve, [size]) };
}

/** The fused GRU backward of `CpuBackend`. */
export function gruSequenceBackward(s: CpuStorage, wasm: WasmKernels | null, args: GruSequenceBackwardArgs): GruSequenceGradients {
  const op = 'gruSequenceBackward';
  const { T, B, I, H, x, wIh, wHh, lengths } = recurrentOperands(s, args, op);
  const expected = gruReserveLayout(T, B, H).size;
  const reserve = s.float(args.reserve, op);
  checkReserve(op, 'gruSequence', args.reserve, reserve.length, expected, T, B, H);
  const dx = s.f32(T * B * I);
  const dwIh = s.f32(3 * H * I);
  const dwHh = s.f32(3 * H * H);
  const dbIh = s.f32(3 * H);
  const dbHh = s.f32(3 * H);
  const dh0 = s.f32(B * H);
  const dy = args.dy ? s.float(args.dy, op) : null;
  const dhT = args.dhT ? s.float(args.dhT, op) : null;
  gruSequenceBackwardKernel(gemmFor(wasm), x, wIh, wHh, lengths, args.reverse, T, B, I, H, dy, dhT, reserve, dx, dwIh, dwHh, dbIh, dbHh, dh0);
  return {
    dx: s.store(dx, [T, B, I]),
    dwIh: s.store(dwIh, [3 * H, I]),
    dwHh: s.store(dwHh, [3 * H, H]),
    dbIh: s.store(dbIh, [3 * H]),
    dbHh: s.store(dbHh, [3 * H]),
    dh0: s.store(dh0, [B, H]),
  };
}
