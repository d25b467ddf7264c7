import { ArgumentError } from '@cellstate/tensor';

/** A series: one value per step, or one row of features per step. */
export type Series = readonly number[] | readonly (readonly number[])[];

/**
 * Standardisation (z = (v - mean) / std) per feature, fitted on training data only so
 * that nothing about the validation or test period leaks into training. A feature
 * with no spread gets std 1 (it becomes 0, not NaN).
 *
 * @example
 * ```ts
 * const scaler = Standardizer.fit(trainSales);   // mean and std of the training days
 * const z = scaler.transform(allSales);          // the same numbers for every split
 * const sales = scaler.inverse(predictions);     // back to sales units
 * ```
 */
export class Standardizer {
  readonly mean: readonly number[];
  readonly std: readonly number[];

  constructor(mean: readonly number[], std: readonly number[]) {
    if (mean.length !== std.length || mean.length === 0) throw new ArgumentError('Standardizer', 'mean and std need one entry per feature');
    this.mean = [...mean];
    this.std = [...std];
  }

  /**
   * Fits per-feature mean and (population) standard deviation.
   *
   * @example
   * ```ts
   * Standardizer.fit([1, 2, 3]).mean; // [2]
   * Standardizer.fit([[1, 10], [3, 30]]).std; // [1, 10]
   * ```
   */
  static fit(data: Series): Standardizer {
    const rows = toRows(data);
    if (rows.length === 0) throw new ArgumentError('Standardizer.fit', 'needs at least one value');
    const F = rows[0]!.length;
    const mean = new Array<number>(F).fill(0);
    for (const r of rows) r.forEach((v, f) => (mean[f]! += v / rows.length));
    const variance = new Array<number>(F).fill(0);
    for (const r of rows) r.forEach((v, f) => (variance[f]! += (v - mean[f]!) ** 2 / rows.length));
    return new Standardizer(mean, variance.map((v) => (v > 0 ? Math.sqrt(v) : 1)));
  }

  /**
   * (v - mean) / std, per feature; the shape of the input is kept.
   *
   * @example
   * ```ts
   * Standardizer.fit([1, 2, 3]).transform([2, 4]); // [0, 2.449...]
   * ```
   */
  transform<S extends Series>(data: S): S {
    return this.#apply(data, (v, f) => (v - this.mean[f]!) / this.std[f]!);
  }

  /**
   * v · std + mean, per feature: predictions back in the data's units. Flat values of
   * a multi-feature scaler use `feature` (default 0, the usual target).
   *
   * @example
   * ```ts
   * const scaler = Standardizer.fit([1, 2, 3]);
   * scaler.inverse(scaler.transform([5])); // [5]
   * ```
   */
  inverse(values: ArrayLike<number>, feature?: number): number[];
  inverse<S extends Series>(data: S): S;
  inverse(data: ArrayLike<number> | Series, feature?: number): number[] | Series {
    if (feature !== undefined || !Array.isArray(data)) {
      const f = feature ?? 0;
      return Array.from(data as ArrayLike<number>, (v) => v * this.std[f]! + this.mean[f]!);
    }
    return this.#apply(data as Series, (v, f) => v * this.std[f]! + this.mean[f]!);
  }

  #apply<S extends Series>(data: S, fn: (v: number, feature: number) => number): S {
    const width = this.mean.length;
    return data.map((item) => {
      if (typeof item === 'number') return fn(item, 0);
      if (item.length !== width) throw new ArgumentError('Standardizer', `rows must have ${width} features, got ${item.length}`);
      return item.map(fn);
    }) as unknown as S;
  }
}

/**
 * Rows of features: a flat series is one feature per step. Throws on rows of
 * different widths.
 *
 * @example
 * ```ts
 * toRows([1, 2]); // [[1], [2]]
 * ```
 */
export function toRows(data: Series): number[][] {
  const rows = data.map((item) => (typeof item === 'number' ? [item] : [...item]));
  const width = rows[0]?.length ?? 0;
  rows.forEach((r, t) => {
    if (r.length !== width) throw new ArgumentError('series', `step ${t} has ${r.length} features, step 0 has ${width}`);
  });
  return rows;
}
