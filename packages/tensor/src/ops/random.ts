import { ArgumentError } from '../errors.js';
import { getBackend } from '../registry.js';
import { assertValidShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { CreateOptions } from './creation.js';
import { add, mul } from './elementwise.js';

function checkSeed(op: string, seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ArgumentError(op, `seed must be a non-negative safe integer, got ${seed}`);
}

/**
 * Uniform numbers in [low, high). Counter-based: the same (shape, seed) gives the same
 * numbers on every backend.
 *
 * @example
 * ```ts
 * const w = randomUniform([4, 3], { seed: 7, low: -0.5, high: 0.5 });
 * ```
 */
export function randomUniform(shape: Shape, options: { seed: number; low?: number; high?: number } & Omit<CreateOptions, 'dtype'>): Tensor {
  assertValidShape('randomUniform', shape);
  checkSeed('randomUniform', options.seed);
  const backend = options.backend ?? getBackend();
  const u = new Tensor(backend, backend.randomUniform([...shape], options.seed));
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  if (low === 0 && high === 1) return u;
  const scaled = mul(u, high - low);
  u.dispose();
  const out = add(scaled, low);
  scaled.dispose();
  return out;
}

/**
 * float32 1 with probability `p`, else 0 (dropout masks).
 *
 * @example
 * ```ts
 * const keep = randomBernoulli([32, 128], 0.9, { seed: step });
 * ```
 */
export function randomBernoulli(shape: Shape, p: number, options: { seed: number } & Omit<CreateOptions, 'dtype'>): Tensor {
  assertValidShape('randomBernoulli', shape);
  checkSeed('randomBernoulli', options.seed);
  if (!(p >= 0 && p <= 1)) throw new ArgumentError('randomBernoulli', `p must be in [0, 1], got ${p}`);
  const backend = options.backend ?? getBackend();
  return new Tensor(backend, backend.randomBernoulli([...shape], p, options.seed));
}
