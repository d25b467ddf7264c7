import type { Workload } from './workloads.js';

export interface TimingPlan {
  warmup: number;
  minIters: number;
  maxIters: number;
  /** Stop once this many seconds of timed iterations have run (and minIters are done). */
  targetSec: number;
  /** Stop after this many seconds even if minIters are not done (never below 1 iteration). */
  maxSec: number;
  /** If the first warm-up iteration takes longer than this, stop and report `skipped`. */
  skipOverSec: number;
}

/**
 * The iteration rule every runner uses (the Python runner mirrors it): >= 2 warm-ups, then
 * the median of >= 5 timed iterations (and >= `cycle`, the number of different batches a
 * workload cycles through, so each is timed once), continuing until 8 s of timed work
 * (latency: >= 20 iterations, 4 s). W4 is skipped for a system whose first iteration takes > 60 s (the peer
 * bench's rule). `quick` (smoke tests): 1 warm-up, 2 timed iterations.
 */
export function timingPlan(w: Pick<Workload, 'id' | 'kind'>, quick = false, cycle = 1): TimingPlan {
  const skipOverSec = w.id === 'W4' ? 60 : Infinity;
  if (quick) return { warmup: 1, minIters: 2, maxIters: 2, targetSec: 0, maxSec: 60, skipOverSec };
  if (w.kind === 'latency') return { warmup: 5, minIters: 20, maxIters: 500, targetSec: 4, maxSec: 120, skipOverSec };
  // `cycle`: a workload that cycles through that many different batches times each of them at least once.
  return { warmup: 2, minIters: Math.max(5, cycle), maxIters: Math.max(30, cycle), targetSec: 8, maxSec: 240, skipOverSec };
}

export interface Timing {
  medianSec: number;
  /** Mean of the timed iterations (absent when nothing was timed). */
  meanSec?: number;
  minSec: number;
  maxSec: number;
  iters: number;
  /** Set when the first warm-up iteration exceeded plan.skipOverSec (nothing else was timed). */
  skipped?: { firstIterSec: number };
}

/** Median of the timed iterations of `fn` (which must include forcing its result), per `plan`. */
export async function timeIt(fn: () => Promise<void> | void, plan: TimingPlan): Promise<Timing> {
  for (let i = 0; i < plan.warmup; i++) {
    const t = performance.now();
    await fn();
    const dt = (performance.now() - t) / 1000;
    if (i === 0 && dt > plan.skipOverSec) return { medianSec: dt, minSec: dt, maxSec: dt, iters: 0, skipped: { firstIterSec: dt } };
  }
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
    const elapsed = (performance.now() - start) / 1000;
    if (times.length >= plan.maxIters) break;
    if (times.length >= plan.minIters && elapsed >= plan.targetSec) break;
    if (elapsed >= plan.maxSec) break;
  }
  return { medianSec: median(times), meanSec: times.reduce((a, b) => a + b, 0) / times.length, minSec: Math.min(...times), maxSec: Math.max(...times), iters: times.length };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Peak resident set of this process in MB (`maxRSS` is in KiB). */
export function peakRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}
