/** Host code of randomUniform and randomBernoulli (Threefry-2x32, keyed by the seed). */
import { seedToKey, type Handle, type Shape } from '@cellstate/tensor';
import { elementGrid } from '../kernels/kernel-spec.js';
import { randomKernel, randomParams } from '../kernels/random.wgsl.js';
import { sizeOfShape } from '../layout.js';
import type { KernelContext } from './kernel-context.js';

function random(ctx: KernelContext, op: string, shape: Shape, seed: number, distribution: 'uniform' | 'bernoulli', threshold: number): Handle {
  ctx.begin(op);
  const out = ctx.alloc(shape, 'float32');
  const n = sizeOfShape(shape);
  if (n === 0) return out;
  const [key0, key1] = seedToKey(seed);
  ctx.dispatch(randomKernel, { distribution }, randomParams.pack({ n, key0, key1, threshold }), [ctx.buffer(out, op)], elementGrid(n, 64));
  return out;
}

export function randomUniform(ctx: KernelContext, shape: Shape, seed: number): Handle {
  return random(ctx, 'randomUniform', shape, seed, 'uniform', 0);
}

export function randomBernoulli(ctx: KernelContext, shape: Shape, p: number, seed: number): Handle {
  // u < p  <=>  (bits >> 8) < ceil(p · 2^24) for the integer bits >> 8 (u = that / 2^24).
  const threshold = Math.min(2 ** 24, Math.max(0, Math.ceil(p * 2 ** 24)));
  return random(ctx, 'randomBernoulli', shape, seed, 'bernoulli', Number.isNaN(threshold) ? 0 : threshold);
}
