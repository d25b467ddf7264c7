import type { Handle, LstmSequenceArgs, LstmSequenceBackwardArgs, LstmSequenceEmbeddedArgs, LstmSequenceEmbeddedResult, LstmSequenceGradients, LstmSequenceResult } from '@cellstate/tensor';
import { lstmReserveLayout } from '@cellstate/tensor/backend-kit';
import type { CpuStorage } from '../cpu-storage.js';
import { lstmSequenceBackward as lstmSequenceBackwardKernel } from '../kernels/lstm-sequence-backward.js';
import { lstmSequenceEmbedded as lstmSequenceEmbeddedKernel, lstmSequence as lstmSequenceKernel } from '../kernels/lstm-sequence.js';
import { ResidentReserve, type WasmKernels } from '../wasm/kernels.js';
import { checkReserve, recurrentOperands } from './recurrent-operands.js';

/** The fused LSTM forward of `CpuBackend` (kernels/lstm-sequence.ts or its WebAssembly twin). */
export function lstmSequence(s: CpuStorage, wasm: WasmKernels | null, args: LstmSequenceArgs): LstmSequenceResult {
  const op = 'lstmSequence';
  const { T, B, I, H, x, wIh, wHh, lengths } = recurrentOperands(s, args, op);
  const y = s.f32(T * B * H);
  const hT = s.f32(B * H);
  const cT = s.f32(B * H);
  const size = lstmReserveLayout(T, B, H).size;
  const inputs = [x, wIh, wHh, s.float(args.bias, op), s.float(args.h0, op), s.float(args.c0, op), lengths, args.reverse, T, B, I, H, y, hT, cT] as const;
  // The WebAssembly kernel keeps the reserve in its memory (read there by the backward,
  // copied out only if read); else the TypeScript kernel (same contract and layout).
  const resident = wasm?.lstmSequenceResident(...inputs, [args.wIh.id, args.wHh.id]) ?? null;
  let reserveHandle: Handle;
  if (resident) {
    reserveHandle = s.storeResident(resident, [size]);
  } else {
    const reserve = s.f32(size);
    lstmSequenceKernel(...inputs, reserve);
    reserveHandle = s.store(reserve, [size]);
  }
  return { y: s.store(y, [T, B, H]), hT: s.store(hT, [B, H]), cT: s.store(cT, [B, H]), reserve: reserveHandle };
}

/**
 * The embedding-folded LSTM forward of `CpuBackend` (inference: no reserve kept). The
 * WebAssembly kernel keeps the table in its memory from the second call on.
 */
export function lstmSequenceEmbedded(s: CpuStorage, wasm: WasmKernels | null, args: LstmSequenceEmbeddedArgs): LstmSequenceEmbeddedResult {
  const op = 'lstmSequenceEmbedded';
  const [T, B] = args.ids.shape as [number, number];
  const [V] = args.table.shape as [number, number];
  const H = args.wHh.shape[1]!;
  const table = s.float(args.table, op);
  const ids = s.data(args.ids, op) as Int32Array;
  const wHh = s.float(args.wHh, op);
  const lengths = args.lengths ? (s.data(args.lengths, op) as Int32Array) : null;
  const y = s.f32(T * B * H);
  const hT = s.f32(B * H);
  const cT = s.f32(B * H);
  const h0 = s.float(args.h0, op);
  const c0 = s.float(args.c0, op);
  if (!wasm?.lstmSequenceEmbedded(table, args.table.id, ids, wHh, h0, c0, lengths, args.reverse, T, B, V, H, y, hT, cT)) {
    const reserve = s.f32(lstmReserveLayout(T, B, H).size);
    lstmSequenceEmbeddedKernel(table, ids, V, wHh, h0, c0, lengths, args.reverse, T, B, H, y, hT, cT, reserve);
    s.recycle(reserve);
  }
  return { y: s.store(y, [T, B, H]), hT: s.store(hT, [B, H]), cT: s.store(cT, [B, H]) };
}

/** The fused LSTM backward of `CpuBackend`; reads a resident reserve in place. */
export function lstmSequenceBackward(s: CpuStorage, wasm: WasmKernels | null, args: LstmSequenceBackwardArgs): LstmSequenceGradients {
  const op = 'lstmSequenceBackward';
  const { T, B, I, H, x, wIh, wHh, lengths } = recurrentOperands(s, args, op);
  const expected = lstmReserveLayout(T, B, H).size;
  const resident = wasm?.ready ? s.resident(args.reserve.id) : null;
  const reserve = resident ?? s.float(args.reserve, op);
  checkReserve(op, 'lstmSequence', args.reserve, reserve.length, expected, T, B, H);
  const dx = s.f32(T * B * I);
  const dwIh = s.f32(4 * H * I);
  const dwHh = s.f32(4 * H * H);
  const dBias = s.f32(4 * H);
  const dh0 = s.f32(B * H);
  const dc0 = s.f32(B * H);
  const dy = args.dy ? s.float(args.dy, op) : null;
  const dhT = args.dhT ? s.float(args.dhT, op) : null;
  const dcT = args.dcT ? s.float(args.dcT, op) : null;
  const inputs = [x, wIh, wHh, lengths, args.reverse, T, B, I, H, dy, dhT, dcT] as const;
  const grads = [dx, dwIh, dwHh, dBias, dh0, dc0] as const;
  if (!wasm?.lstmSequenceBackward(...inputs, reserve, ...grads)) {
    lstmSequenceBackwardKernel(...inputs, reserve instanceof ResidentReserve ? s.float(args.reserve, op) : reserve, ...grads);
  }
  return {
    dx: s.store(dx, [T, B, I]),
    dwIh: s.store(dwIh, [4 * H, I]),
    dwHh: s.store(dwHh, [4 * H, H]),
    dBias: s.store(dBias, [4 * H]),
    dh0: s.store(dh0, [B, H]),
    dc0: s.store(dc0, [B, H]),
  };
}
