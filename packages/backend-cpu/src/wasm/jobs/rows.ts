import type { JobContext } from './job-context.js';

/**
 * Lays out a row-wise job over x [N, C] in the arena: x (and labels), per-row parts
 * (two float64 each) and an [N, C] output; null where the WebAssembly path does not
 * take it (not ready, too small, no room).
 */
function rowsJob(ctx: JobContext, x: Float32Array, N: number, C: number, labels?: Int32Array): { nt: number; px: number; pl: number; pparts: number; pout: number } | null {
  if (!ctx.ready() || N * C < ctx.tuning.minWasmElementwise) return null;
  const e = ctx.engine;
  const nt = ctx.threadsFor(20 * N * C, 20 * N * C, N);
  e.reset();
  const px = e.alloc(N * C * 4);
  const pl = labels ? e.alloc(N * 4) : 0;
  const pparts = e.alloc(N * 16);
  const pout = e.alloc(N * C * 4);
  if (!e.commit()) return null;
  e.put(px, x, 0, N * C);
  if (labels) e.put(pl, labels, 0, N);
  return { nt, px, pl, pparts, pout };
}

/** Same contract as `softmaxCrossEntropy` in kernels/softmax-cross-entropy.ts (vector exp, sums in float64). */
export function softmaxCrossEntropy(ctx: JobContext, logits: Float32Array, labels: Int32Array, N: number, C: number, loss: Float32Array, probabilities: Float32Array): boolean {
  const job = rowsJob(ctx, logits, N, C, labels);
  if (!job) return false;
  const e = ctx.engine;
  e.args([N, C, job.px, job.pl, job.pparts, job.pout]);
  e.run('softmaxXent', job.nt);
  const parts = new Float64Array(e.memory.buffer, job.pparts, 2 * N);
  for (let n = 0; n < N; n++) loss[n] = parts[2 * n]! + Math.log(parts[2 * n + 1]!);
  e.get(job.pout, probabilities, N * C);
  return true;
}

/** Same contract as `logSoftmax` in kernels/log-softmax.ts (rows of C, the last axis). */
export function logSoftmax(ctx: JobContext, x: Float32Array, N: number, C: number, out: Float32Array): boolean {
  const job = rowsJob(ctx, x, N, C);
  if (!job) return false;
  const e = ctx.engine;
  e.args([N, C, job.px, job.pparts, job.pout, 0]);
  e.run('logSoftmax', job.nt);
  // Σ -> log Σ between the phases: log stays out of the module (see softmaxCrossEntropy).
  const parts = new Float64Array(e.memory.buffer, job.pparts, 2 * N);
  for (let n = 0; n < N; n++) parts[2 * n + 1] = Math.log(parts[2 * n + 1]!);
  e.args([N, C, job.px, job.pparts, job.pout, 1]);
  e.run('logSoftmax', job.nt);
  e.get(job.pout, out, N * C);
  return true;
}
