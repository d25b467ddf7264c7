import { mul, randomBernoulli, scope, type Tensor } from '@cellstate/tensor';
import { SeedStream } from './seed-stream.js';

/**
 * Inverted dropout as a function: each element of x is zeroed with probability `p`
 * and the survivors are scaled by 1 / (1 - p), with the keep mask
 * `randomBernoulli(x.shape, 1 - p, { seed })`. Every dropout of the library goes
 * through it (the `Dropout` layer, the inter-layer dropout of `LSTM`/`GRU`, the
 * seq2seq model), so one seed gives one mask wherever it is used.
 *
 * `seed` null, or `p` 0, returns x itself (no copy). A `SeedStream` draws its next
 * seed only when a mask is drawn (p > 0), so a model with dropout 0 leaves the
 * stream where it was.
 *
 * @example
 * ```ts
 * const y = dropout(h, 0.2, 7);                 // a fixed mask
 * const z = dropout(h, 0.2, stream);            // the stream's next mask
 * const w = dropout(h, 0.2, training ? 7 : null); // identity when evaluating
 * ```
 */
export function dropout(x: Tensor, p: number, seed: number | SeedStream | null): Tensor {
  if (seed === null || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const s = seed instanceof SeedStream ? seed.next() : seed;
  return scope(() => {
    const keepMask = randomBernoulli(x.shape, 1 - p, { seed: s, backend: x.backend });
    return mul(x, mul(keepMask, 1 / (1 - p)));
  });
}
