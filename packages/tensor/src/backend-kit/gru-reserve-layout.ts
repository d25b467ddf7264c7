/**
 * Where the fused `gruSequence` keeps what its backward reads, in floats from the start
 * of the reserve. Each section is [T·B, H], row t·B + b (t the time index, not the
 * step count, so reverse runs use the same rows). Masked steps (t >= length) hold 0.
 * Backends that lay the reserve out this way can read each other's reserves.
 */
export interface GruReserveLayout {
  /** Activated reset gate r. */
  r: number;
  /** Activated update gate z. */
  z: number;
  /** Activated candidate n. */
  n: number;
  /** h·Whnᵀ + b_hn, before r multiplies it (the backward needs it for dr). */
  hn: number;
  /** h before the step (the carried state, not y; dwHh multiplies it). */
  hPrev: number;
  /** Total floats: 5·T·B·H. */
  size: number;
}

/**
 * The reserve layout of a GRU over T steps, batch B, hidden size H.
 *
 * @example
 * ```ts
 * import { gruReserveLayout } from '@cellstate/tensor/backend-kit';
 * const layout = gruReserveLayout(5, 2, 3);
 * layout.hPrev; // 120: hPrev of time t, sample b starts at layout.hPrev + (t·B + b)·H
 * layout.size; // 150 floats to allocate
 * ```
 */
export function gruReserveLayout(T: number, B: number, H: number): GruReserveLayout {
  const section = T * B * H;
  return { r: 0, z: section, n: 2 * section, hn: 3 * section, hPrev: 4 * section, size: 5 * section };
}
