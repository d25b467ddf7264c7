/**
 * The contract's float -> int32 conversion (upload, fill, pad values, cast): truncates
 * toward zero, maps NaN to 0 and clamps to [-2147483648, 2147483647] instead of
 * wrapping, so every backend stores the same integer.
 *
 * @example
 * ```ts
 * import { toInt32 } from '@cellstate/tensor/backend-kit';
 * toInt32(-2.7); // -2
 * toInt32(NaN); // 0
 * toInt32(1e10); // 2147483647
 * ```
 */
export function toInt32(value: number): number {
  // NaN fails both comparisons and `NaN | 0` is 0; in-range values truncate via `| 0`.
  return value >= 2147483647 ? 2147483647 : value <= -2147483648 ? -2147483648 : value | 0;
}
