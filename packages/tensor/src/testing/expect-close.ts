/**
 * Elementwise closeness checks for test code. Framework-free: `expectClose` throws a
 * plain `Error`, so it works under vitest, node:test or a browser harness alike.
 *
 * An element passes when `|actual - expected| <= atol + rtol * |expected|` (NumPy's
 * `allclose` rule), or when both are NaN, or both are the same infinity.
 */

/** Absolute and relative tolerance; an element passes when `|a - e| <= atol + rtol * |e|`. */
export interface CloseOptions {
  /** Absolute tolerance (default 0). */
  atol?: number;
  /** Relative tolerance, scaled by `|expected|` (default 0). */
  rtol?: number;
  /** Named in the failure message (e.g. `'cpu exp [3, 4]'`). */
  label?: string;
}

/** What `closeness` measured. Errors are over the elements where both values are finite. */
export interface Closeness {
  /** True when the lengths match and every element passes. */
  pass: boolean;
  length: number;
  expectedLength: number;
  /** Largest |actual - expected| over elements where both are finite (0 if none). */
  maxAbsError: number;
  /** Largest |actual - expected| / |expected| over elements where both are finite (`|e| = 0` counts as Infinity unless the error is 0). */
  maxRelError: number;
  /** Flat index of the worst element: the first mismatch of kind (NaN or infinity), else the largest excess over the tolerance; -1 if there are no elements. */
  worstIndex: number;
  /** Number of elements that fail the tolerance. */
  mismatches: number;
  /** Index of the first failing element, -1 if none. */
  firstMismatch: number;
}

function kindMismatch(a: number, e: number): boolean {
  const aNaN = Number.isNaN(a);
  const eNaN = Number.isNaN(e);
  if (aNaN || eNaN) return aNaN !== eNaN;
  const aInf = a === Infinity || a === -Infinity;
  const eInf = e === Infinity || e === -Infinity;
  if (aInf || eInf) return a !== e;
  return false;
}

/** Measures how close `actual` is to `expected` (see `expectClose` for the rule). */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, options: CloseOptions = {}): Closeness {
  const atol = options.atol ?? 0;
  const rtol = options.rtol ?? 0;
  const n = Math.min(actual.length, expected.length);
  let maxAbsError = 0;
  let maxRelError = 0;
  let worstIndex = n > 0 ? 0 : -1;
  let worstExcess = -Infinity;
  let worstIsKind = false;
  let mismatches = 0;
  let firstMismatch = -1;
  for (let i = 0; i < n; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    if (kindMismatch(a, e)) {
      mismatches++;
      if (firstMismatch < 0) firstMismatch = i;
      if (!worstIsKind) {
        worstIsKind = true;
        worstIndex = i;
      }
      continue;
    }
    if (a === e) continue; // equal, including equal infinities and 0 / -0
    const err = Math.abs(a - e);
    const rel = e === 0 ? Infinity : err / Math.abs(e);
    if (err > maxAbsError) maxAbsError = err;
    if (rel > maxRelError) maxRelError = rel;
    const excess = err - (atol + rtol * Math.abs(e));
    if (excess > 0) {
      mismatches++;
      if (firstMismatch < 0) firstMismatch = i;
    }
    if (!worstIsKind && excess > worstExcess) {
      worstExcess = excess;
      worstIndex = i;
    }
  }
  const lengthOk = actual.length === expected.length;
  return {
    pass: lengthOk && mismatches === 0,
    length: actual.length,
    expectedLength: expected.length,
    maxAbsError,
    maxRelError,
    worstIndex,
    mismatches,
    firstMismatch,
  };
}

function show(values: ArrayLike<number>, index: number): string {
  return index >= 0 && index < values.length ? String(values[index]) : '-';
}

function preview(values: ArrayLike<number>, limit = 8): string {
  const parts: string[] = [];
  for (let i = 0; i < Math.min(values.length, limit); i++) parts.push(String(values[i]));
  return `[${parts.join(', ')}${values.length > limit ? ', ...' : ''}]`;
}

/**
 * Throws an `Error` unless `actual` and `expected` have the same length and every
 * element passes `|a - e| <= atol + rtol * |e|`; NaN must meet NaN and an infinity the
 * same infinity. The message names the label, the max abs and rel errors, and the flat
 * index of the worst element.
 *
 * @example
 * ```ts
 * expectClose(await backend.read(h), [0.5, 0.25], { atol: 1e-6, rtol: 1e-5, label: 'sigmoid' });
 * ```
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, options: CloseOptions = {}): void {
  const stats = closeness(actual, expected, options);
  if (stats.pass) return;
  const label = options.label ?? 'expectClose';
  if (stats.length !== stats.expectedLength) {
    throw new Error(
      `${label}: length mismatch: actual has ${stats.length} elements, expected ${stats.expectedLength}; actual ${preview(actual)}, expected ${preview(expected)}`,
    );
  }
  const i = stats.worstIndex;
  throw new Error(
    `${label}: ${stats.mismatches} of ${stats.length} elements not close (atol ${options.atol ?? 0}, rtol ${options.rtol ?? 0}); ` +
      `max abs error ${stats.maxAbsError}, max rel error ${stats.maxRelError}; ` +
      `worst at flat index ${i}: actual ${show(actual, i)}, expected ${show(expected, i)}` +
      (stats.firstMismatch !== i ? `; first mismatch at flat index ${stats.firstMismatch}: actual ${show(actual, stats.firstMismatch)}, expected ${show(expected, stats.firstMismatch)}` : ''),
  );
}
