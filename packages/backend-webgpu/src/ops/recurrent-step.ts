/**
 * Sizes and dispatch grid shared by the fused RNN sequence ops (LSTM, GRU): their step
 * kernels use the thread mapping of kernels/recurrent-step.wgsl.ts.
 */
import type { Handle } from '@cellstate/tensor';

/** T steps, B batch, I input size, H hidden size, G = gates·H, rows = T·B, state = B·H. */
export interface SequenceSizes {
  T: number;
  B: number;
  I: number;
  H: number;
  G: number;
  rows: number;
  state: number;
}

/** The sizes of a sequence op from x [T, B, I] and wHh [gates·H, H]. */
export function sequenceSizes(x: Handle, wHh: Handle, gates: number): SequenceSizes {
  const [T, B, I] = x.shape as [number, number, number];
  const H = wHh.shape[1]!;
  return { T, B, I, H, G: gates * H, rows: T * B, state: B * H };
}

/** Batch rows per workgroup of the step kernels (a key parameter: the rows are unrolled). */
export function stepBatchTile(B: number): number {
  return Math.max(1, Math.min(4, B));
}

/** The step kernels' grid: 64 hidden units × `stepBatchTile(B)` batch rows per workgroup. */
export function stepGrid(B: number, H: number): [number, number, number] {
  return [Math.ceil(H / 64), Math.ceil(B / stepBatchTile(B)), 1];
}
