/**
 * Fixed addresses in the kernels' linear memory (bytes unless noted). Everything below
 * ARENA_BASE is the control area; the arena above it is laid out anew by every call.
 */

/** Control block of the worker pool, as i32 indices (byte 1024 on). */
export const CTL = {
  /** (sequence << 8) | thread count of the current job; workers wait on it. */
  job: 256,
  /** Job kind (index into JOB_KINDS). */
  kind: 257,
  /** Byte address of the job's argument block. */
  args: 258,
  /** Workers that finished the current job. */
  done: 259,
  /** Set to 1 to make the workers leave their loop. */
  stop: 260,
  /** Set to 1 by a worker whose job threw (the job's results are not to be trusted). */
  failed: 261,
  /** ready[tid] = 1 once worker tid waits for jobs (tid 1..MAX_THREADS-1). */
  ready: 320,
} as const;

/** At most this many threads (the job word keeps the count in 8 bits; ready flags 320..383). */
export const MAX_THREADS = 64;

/** The in-kernel barrier: [count, generation]. */
export const BARRIER = 2048;

/** The argument block of the current job: 64 i32 slots. */
export const ARGS = 2304;

/** Start of the per-call arena. */
export const ARENA_BASE = 65536;

/** Job kinds, in the order of the exports the workers call. */
export const JOB_KINDS = ['gemm', 'lstmForward', 'lstmBackward', 'adam', 'softmaxXent', 'bernoulli', 'binary', 'reduceSum', 'unary', 'logSoftmax', 'reduceMax', 'packWeight'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
