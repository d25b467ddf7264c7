/**
 * Synthetic daily ice-cream sales: a yearly season peaking in mid-July, busier
 * weekends, a slow upward trend and seeded noise.
 */
import { Rng } from '../shared/random.js';

export interface SalesOptions {
  /** Days of sales, starting on a Monday, 1 January (default 3 · 365). */
  days?: number;
  seed?: number;
  /** Standard deviation of the day-to-day noise (default 6). */
  noise?: number;
}

/**
 * Daily sales: 120 + 0.03·day + 60·cos(2π(day - 195) / 365) (summer peak) + 25 on
 * Saturdays and Sundays + N(0, noise²).
 *
 * @example
 * ```ts
 * const sales = dailySales({ days: 3 * 365, seed: 1 }); // 1095 numbers
 * ```
 */
export function dailySales(options: SalesOptions = {}): number[] {
  const days = options.days ?? 3 * 365;
  const noise = options.noise ?? 6;
  const rng = new Rng(options.seed ?? 1);
  return Array.from({ length: days }, (_, day) => {
    const season = 60 * Math.cos((2 * Math.PI * (day - 195)) / 365);
    const weekend = day % 7 >= 5 ? 25 : 0;
    return 120 + 0.03 * day + season + weekend + noise * rng.normal();
  });
}

/**
 * RMSE of the seasonal-naive forecast (the same weekday a week earlier) on the given
 * days: the baseline a forecaster has to beat.
 *
 * @example
 * ```ts
 * seasonalNaiveRmse(sales, [1000, 1001]);
 * ```
 */
export function seasonalNaiveRmse(sales: readonly number[], days: readonly number[]): number {
  return Math.sqrt(days.reduce((a, d) => a + (sales[d]! - sales[d - 7]!) ** 2, 0) / days.length);
}
