import { UNK_ID } from '@cellstate/text';
import { mulberry32, tensor, type Backend, type Rng } from '@cellstate/tensor';
import type { ModelBatch } from './model.js';

/**
 * Pads id lists into the model's time-major layout [T, B] (padding id 0). An empty
 * list becomes one `<unk>` so every text has at least one step.
 */
export function makeBatch(sequences: readonly (readonly number[])[], backend?: Backend): ModelBatch {
  const B = sequences.length;
  const lengths = sequences.map((s) => Math.max(1, s.length));
  const T = Math.max(1, ...lengths);
  const ids = new Int32Array(T * B);
  sequences.forEach((s, b) => {
    if (s.length === 0) ids[b] = UNK_ID;
    for (let t = 0; t < s.length; t++) ids[t * B + b] = s[t]!;
  });
  return { ids: tensor(ids, [T, B], { dtype: 'int32', ...(backend ? { backend } : {}) }), lengths };
}

/**
 * The seeded generator of the shuffles (@cellstate/tensor's `mulberry32`): the same seed,
 * the same order. Not @cellstate/nn's `SeedStream`: the apps' demo data and their
 * training results (asserted by their tests) were made with this exact sequence.
 */
export function seededRandom(seed: number): Rng {
  return mulberry32(seed);
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Batches of indices for one epoch: shuffled, then sorted by length inside windows of
 * 50 batches (so a batch holds texts of similar length and little padding), then the
 * batches themselves shuffled.
 */
export function lengthBucketedBatches(lengths: readonly number[], batchSize: number, random: () => number): number[][] {
  const order = shuffle(lengths.map((_, i) => i), random);
  const window = batchSize * 50;
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += window) {
    const chunk = order.slice(start, start + window).sort((a, b) => lengths[a]! - lengths[b]!);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  return shuffle(batches, random);
}

/**
 * Indices in order of length, cut into batches (for evaluation: least padding), each
 * batch longest first: the fused recurrent kernels skip finished rows when lengths do
 * not increase, so such a batch runs as it is instead of being copied row by row into
 * that order and back (W8S: 8% of a pass).
 */
export function sortedBatches(lengths: readonly number[], batchSize: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]!);
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize).reverse());
  return out;
}
