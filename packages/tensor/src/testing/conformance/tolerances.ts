import type { PrimitiveOpName } from '../../backend/primitive-ops.js';

/** Absolute and relative tolerance: an element passes when `|a - e| <= atol + rtol * |e|`. */
export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/**
 * Tolerances of a float32 backend against the float64 reference, one per primitive op.
 * Integer results (int32 outputs, masks, indices), data movement and the counter-based
 * random ops must match exactly, so their entries are zero. For `sum` and
 * `scatterAdd` the entry is per added term and is scaled by the number of terms
 * (`scaleTolerance`); for `matmul` it is scaled by K / 64 when K > 64.
 */
export type ToleranceTable = { readonly [K in PrimitiveOpName]: Tolerance };

const EXACT: Tolerance = { atol: 0, rtol: 0 };
/** One correctly rounded float32 operation is within 2^-24 relative; leave room for a fused or reordered formula. */
const ELEMENTWISE: Tolerance = { atol: 1e-6, rtol: 1e-5 };
/** Transcendental functions: a few float32 ulps (GPU `exp`/`log` are not correctly rounded). */
const TRANSCENDENTAL: Tolerance = { atol: 1e-6, rtol: 2e-6 };

/** The default table for float32 backends compared with the float64 reference. */
export const FLOAT32_TOLERANCES: ToleranceTable = Object.freeze({
  neg: EXACT,
  abs: EXACT,
  relu: EXACT,
  exp: TRANSCENDENTAL,
  log: TRANSCENDENTAL,
  sqrt: { atol: 1e-7, rtol: 1e-6 },
  tanh: TRANSCENDENTAL,
  sigmoid: TRANSCENDENTAL,

  add: ELEMENTWISE,
  sub: ELEMENTWISE,
  mul: ELEMENTWISE,
  div: ELEMENTWISE,
  maximum: EXACT,

  greater: EXACT,
  equal: EXACT,
  where: EXACT,

  sum: { atol: 1e-6, rtol: 1e-5 },
  max: EXACT,
  argmax: EXACT,

  matmul: { atol: 1e-4, rtol: 1e-4 },

  transpose: EXACT,
  slice: EXACT,
  concat: EXACT,
  pad: EXACT,
  cast: EXACT,

  gather: EXACT,
  scatterAdd: { atol: 1e-6, rtol: 1e-5 },

  randomUniform: EXACT,
  randomBernoulli: EXACT,
});

/** The default table with `overrides` laid over it (an override replaces a whole entry). */
export function resolveTolerances(overrides: Partial<ToleranceTable> = {}): ToleranceTable {
  return Object.freeze({ ...FLOAT32_TOLERANCES, ...overrides });
}

/** Options of `toleranceFor`. */
export interface ToleranceScale {
  /** Number of terms added per output element (reduced size for `sum`, K for `matmul`, repeats for `scatterAdd`). */
  terms?: number;
  /**
   * Typical magnitude of the input values (default 1). atol is multiplied by it (by its
   * square for `matmul`, whose terms are products), because cancellation can leave a
   * small result with an error relative to the terms, not to the result.
   */
  magnitude?: number;
}

/**
 * Scales a per-term tolerance to a sum of `terms` terms: float32 summation error grows
 * at worst linearly with the number of terms (a sqrt for random-order rounding).
 */
export function scaleTolerance(tolerance: Tolerance, scale: ToleranceScale = {}): Tolerance {
  const terms = Math.max(1, scale.terms ?? 1);
  const magnitude = scale.magnitude ?? 1;
  return {
    atol: tolerance.atol * terms * magnitude,
    rtol: tolerance.rtol * Math.max(1, Math.sqrt(terms)),
  };
}

/**
 * The tolerance for one comparison of `op`: the table entry, scaled for summing ops
 * (`sum`, `scatterAdd`: atol by `terms * magnitude`, rtol by `sqrt(terms)`; `matmul`: atol
 * by `max(1, K / 64) * magnitude²`, rtol by `sqrt(max(1, K / 64))`); other inexact ops
 * scale atol by `magnitude` when it is given. Exact entries stay exact.
 */
export function toleranceFor(table: ToleranceTable, op: PrimitiveOpName, scale: ToleranceScale = {}): Tolerance {
  const base = table[op];
  if (base.atol === 0 && base.rtol === 0) return base;
  if (op === 'sum' || op === 'scatterAdd') return scaleTolerance(base, scale);
  if (op === 'matmul') {
    const k = Math.max(1, (scale.terms ?? 1) / 64);
    const magnitude = scale.magnitude ?? 1;
    return { atol: base.atol * k * magnitude * magnitude, rtol: base.rtol * Math.max(1, Math.sqrt(k)) };
  }
  if (scale.magnitude !== undefined) return { atol: base.atol * scale.magnitude, rtol: base.rtol };
  return base;
}
