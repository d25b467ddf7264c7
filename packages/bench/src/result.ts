import { gateFlops, type Workload } from './workloads.js';
import { peakRssMb, type Timing } from './timing.js';

/**
 * One benchmark result: what every runner (cellstate, TF.js, brain.js, PyTorch) prints as
 * exactly one JSON line, and what `pnpm bench -- --json` prints, one a line.
 *
 * The first six keys are fixed and always present (null where not applicable); the rest
 * are optional details (iterations, versions, the BLAS library PyTorch mapped, tfjs's
 * wasm thread count, ...).
 */
export interface BenchResult {
  workload: string;
  system: string;
  /** Sequences per second (training sequences per second for W2); null for MM. */
  seq_per_s: number | null;
  /** Median wall time of one iteration in ms (the latency for W3). */
  ms: number | null;
  /** Gate-matmul flops per iteration / median time (W2 counts 3x forward; MM counts 2n³). */
  gflops: number | null;
  /** Peak resident set of the process that ran this one workload, in MB. */
  peak_rss_mb: number | null;
  status: 'ok' | 'error' | 'skipped';
  note?: string;
  iters?: number;
  [detail: string]: unknown;
}

/** Puts the fixed keys first, in their documented order, then the details. */
export function normalizeResult(r: Partial<BenchResult> & { workload: string; system: string }): BenchResult {
  const { workload, system, seq_per_s = null, ms = null, gflops = null, peak_rss_mb = null, status = 'error', ...rest } = r;
  return { workload, system, seq_per_s, ms, gflops, peak_rss_mb, status, ...rest };
}

/** Rounds to a few significant digits so the JSON lines stay readable (and exact enough). */
export function sig(v: number, digits = 5): number {
  return Number(v.toPrecision(digits));
}

/** The result line for `timing` of workload `w` on `system` (metrics derived as documented above). */
export function resultFor(w: Workload, system: string, timing: Timing, details: Record<string, unknown> = {}): BenchResult {
  if (timing.skipped) {
    return normalizeResult({
      workload: w.id, system, peak_rss_mb: peakRssMb(), status: 'skipped',
      note: `first iteration took ${timing.skipped.firstIterSec.toFixed(1)} s > 60 s: not timed further`,
      first_iter_s: sig(timing.skipped.firstIterSec, 4), ...details,
    });
  }
  return timedResult(w.id, system, timing, w.kind === 'matmul' ? null : w.B, gateFlops(w), details);
}

/**
 * The result line of a timed run whose iteration processes `items` sequences (sentences,
 * texts; null: not counted) and `flops` useful flops (null: not counted).
 */
export function timedResult(workload: string, system: string, timing: Timing, items: number | null, flops: number | null, details: Record<string, unknown> = {}): BenchResult {
  const s = timing.medianSec;
  return normalizeResult({
    workload,
    system,
    seq_per_s: items === null ? null : sig(items / s),
    ms: sig(s * 1000),
    gflops: flops === null ? null : sig(flops / s / 1e9),
    peak_rss_mb: peakRssMb(),
    status: 'ok',
    iters: timing.iters,
    min_ms: sig(timing.minSec * 1000),
    max_ms: sig(timing.maxSec * 1000),
    ...details,
  });
}

/** The result line for a runner that failed (`note` says why). */
export function errorResult(workload: string, system: string, error: unknown, status: 'error' | 'skipped' = 'error'): BenchResult {
  const note = error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 3).join(' | ') : String(error);
  return normalizeResult({ workload, system, peak_rss_mb: peakRssMb(), status, note });
}
