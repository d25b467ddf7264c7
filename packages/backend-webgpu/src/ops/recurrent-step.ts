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

/** One dispatch of a forward time loop: the time index and the half of the h ping-pong buffer to read. */
export interface ForwardStep {
  t: number;
  readHalf: number;
}

/** The T dispatches of a forward loop, t = 0..T−1 (T−1..0 when `reverse`). */
export function forwardSteps(T: number, reverse: boolean): ForwardStep[] {
  return Array.from({ length: T }, (_, s) => ({ t: reverse ? T - 1 - s : s, readHalf: s % 2 }));
}

/**
 * One dispatch of a backward time loop. Flags are 0/1 (uniform words): `hasPrevious`
 * when a step was processed before this one (at `tPrev`; its gate gradients feed dh),
 * `finalize` for the extra dispatch after the last step, which only forms dh (→ dh0).
 */
export interface BackwardStep extends ForwardStep {
  hasPrevious: number;
  tPrev: number;
  finalize: number;
}

/** The T + 1 dispatches of a backward loop, in the reverse of the forward's order. */
export function backwardSteps(T: number, reverse: boolean): BackwardStep[] {
  const time = (s: number) => (reverse ? s : T - 1 - s);
  return Array.from({ length: T + 1 }, (_, s) => ({
    t: s === T ? 0 : time(s),
    readHalf: s % 2,
    hasPrevious: s > 0 ? 1 : 0,
    tPrev: s > 0 ? time(s - 1) : 0,
    finalize: s === T ? 1 : 0,
  }));
}
