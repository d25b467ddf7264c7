/** Median of >= minIters timed iterations after >= warmup warm-ups (the peer bench's rule). */
export async function timeIt(
  fn: () => Promise<void>,
  { warmup = 2, minIters = 5, maxIters = 50, targetSec = 4, maxSec = 120 } = {},
): Promise<{ medianSec: number; iters: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
    const elapsed = (performance.now() - start) / 1000;
    if (times.length >= maxIters) break;
    if (times.length >= minIters && (elapsed >= targetSec || elapsed >= maxSec)) break;
  }
  times.sort((a, b) => a - b);
  const m = times.length >> 1;
  return { medianSec: times.length % 2 ? times[m]! : (times[m - 1]! + times[m]!) / 2, iters: times.length };
}

/** Peak resident set of this process in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
