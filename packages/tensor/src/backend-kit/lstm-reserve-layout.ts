/**
 * Where the fused `lstmSequence` keeps what its backward reads, in floats from the
 * start of the reserve. Each section is [T·B, width], row t·B + b. Backends that lay
 * the reserve out this way can read each other's reserves and share tests.
 */
export interface LstmReserveLayout {
  /** [T·B, 4H]: activated gates i, f, g, o of every step (0 for masked steps). */
  gates: number;
  /** [T·B, H]: c before the step (the carried state). */
  cPrev: number;
  /** [T·B, H]: tanh(c') after the step. */
  tanhC: number;
  /** [T·B, H]: h before the step (the carried state, not y; dwHh multiplies it). */
  hPrev: number;
  /** Total floats: 7·T·B·H. */
  size: number;
}

/**
 * The reserve layout of an LSTM over T steps, batch B, hidden size H.
 *
 * @example
 * ```ts
 * import { lstmReserveLayout } from '@cellstate/tensor/backend-kit';
 * const layout = lstmReserveLayout(5, 2, 3);
 * layout.hPrev; // 180: hPrev of step t, sample b starts at layout.hPrev + (t·B + b)·H
 * layout.size; // 210 floats to allocate
 * ```
 */
export function lstmReserveLayout(T: number, B: number, H: number): LstmReserveLayout {
  const rows = T * B;
  return { gates: 0, cPrev: 4 * rows * H, tanhC: 5 * rows * H, hPrev: 6 * rows * H, size: 7 * rows * H };
}
