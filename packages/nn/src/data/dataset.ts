import { ArgumentError, ShapeError, tensor, type DType, type Tensor } from '@cellstate/tensor';
import { uniform53 } from '../host-random.js';
import { checkSeed, deriveSeed } from '../seed.js';
import { checkPositiveInteger } from '../check-arguments.js';

/** Numbers nested to any depth: a value, a vector, a [T, F] window, ... */
export type NestedNumbers = number | ArrayLike<number> | readonly NestedNumbers[];

/** One supervised example: inputs and target, plain numbers. */
export interface Sample {
  x: NestedNumbers;
  y: NestedNumbers;
}

/** Options of `Dataset.batches`. */
export interface BatchOptions {
  /** Examples per batch (the last one may be smaller unless `dropLast`). */
  batchSize: number;
  /** Shuffle with this seed (a new order per `epoch`); unset: keep the order. */
  shuffleSeed?: number;
  /** Epoch number: each epoch gets its own order from the same seed (default 0). */
  epoch?: number;
  /** Leave out a last, smaller batch (default false). */
  dropLast?: boolean;
}

/**
 * An indexed, immutable collection of examples with the loader operations Keras and
 * PyTorch users expect: `map` (lazy), `shuffle` (seeded), `slice`/`take`/`skip`,
 * `split`, `batches` and `collate` to tensors. Browser-safe; nothing is copied until
 * read.
 *
 * @example
 * ```ts
 * const data = Dataset.from([1, 2, 3, 4, 5]).map((v) => ({ x: [v], y: [2 * v] }));
 * for (const batch of data.batches({ batchSize: 2, shuffleSeed: 7 })) {
 *   const { x, y } = collate(batch); // x [2, 1], y [2, 1] (the last batch [1, 1])
 *   x.dispose(); y.dispose();
 * }
 * ```
 */
export class Dataset<T> {
  readonly length: number;
  readonly #get: (index: number) => T;

  protected constructor(length: number, get: (index: number) => T) {
    this.length = length;
    this.#get = get;
  }

  /**
   * A dataset over an array (not copied: keep it unchanged).
   *
   * @example
   * ```ts
   * Dataset.from([{ x: [1, 2], y: [0] }]).length; // 1
   * ```
   */
  static from<T>(items: readonly T[]): Dataset<T> {
    return new Dataset(items.length, (i) => items[i]!);
  }

  /**
   * The example at `index` (negative counts from the end).
   *
   * @example
   * ```ts
   * Dataset.from(['a', 'b']).at(-1); // 'b'
   * ```
   */
  at(index: number): T {
    const i = index < 0 ? this.length + index : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`Dataset.at: index ${index} is outside [0, ${this.length})`);
    return this.#get(i);
  }

  /**
   * A dataset whose examples are `fn(example, index)`, computed on each read.
   *
   * @example
   * ```ts
   * Dataset.from([1, 2]).map((v) => v * 10).toArray(); // [10, 20]
   * ```
   */
  map<U>(fn: (item: T, index: number) => U): Dataset<U> {
    return new Dataset(this.length, (i) => fn(this.#get(i), i));
  }

  /**
   * Examples `start` (inclusive) to `end` (exclusive), in order; negative values count
   * from the end.
   *
   * @example
   * ```ts
   * Dataset.from([1, 2, 3, 4]).slice(1, -1).toArray(); // [2, 3]
   * ```
   */
  slice(start = 0, end = this.length): Dataset<T> {
    const from = clamp(start < 0 ? this.length + start : start, this.length);
    const to = Math.max(from, clamp(end < 0 ? this.length + end : end, this.length));
    return new Dataset(to - from, (i) => this.#get(from + i));
  }

  /**
   * The first `count` examples.
   *
   * @example
   * ```ts
   * Dataset.from([1, 2, 3]).take(2).toArray(); // [1, 2]
   * ```
   */
  take(count: number): Dataset<T> {
    return this.slice(0, count);
  }

  /**
   * All but the first `count` examples.
   *
   * @example
   * ```ts
   * Dataset.from([1, 2, 3]).skip(2).toArray(); // [3]
   * ```
   */
  skip(count: number): Dataset<T> {
    return this.slice(count);
  }

  /**
   * Two datasets in order: the first `1 - fraction` and the last `fraction` (Keras'
   * `validation_split` holds out the end, not a random part, so a time-ordered dataset
   * validates on its latest examples). Shuffle first for a random split.
   *
   * @example
   * ```ts
   * const [train, valid] = Dataset.from([1, 2, 3, 4, 5]).split(0.2); // [1..4], [5]
   * ```
   */
  split(fraction: number): [Dataset<T>, Dataset<T>] {
    if (!(fraction >= 0 && fraction <= 1)) throw new ArgumentError('Dataset.split', `fraction must be in [0, 1], got ${fraction}`);
    const held = Math.round(this.length * fraction);
    return [this.slice(0, this.length - held), this.slice(this.length - held)];
  }

  /**
   * The examples in a seeded random order (Fisher–Yates on counter-based random
   * numbers: the same seed gives the same order on every machine).
   *
   * @example
   * ```ts
   * Dataset.from([1, 2, 3, 4]).shuffle(42).toArray(); // a fixed permutation
   * ```
   */
  shuffle(seed: number): Dataset<T> {
    const order = permutation(this.length, seed);
    return new Dataset(this.length, (i) => this.#get(order[i]!));
  }

  /**
   * The examples in batches (arrays), optionally reshuffled per epoch. Pass a batch to
   * `collate` for tensors.
   *
   * @example
   * ```ts
   * [...Dataset.from([1, 2, 3]).batches({ batchSize: 2 })]; // [[1, 2], [3]]
   * ```
   */
  *batches(options: BatchOptions): Generator<T[]> {
    const { batchSize } = options;
    checkPositiveInteger('Dataset.batches', 'batchSize', batchSize);
    const order = options.shuffleSeed === undefined ? null : permutation(this.length, deriveSeed(options.shuffleSeed, options.epoch ?? 0));
    for (let start = 0; start < this.length; start += batchSize) {
      const end = Math.min(start + batchSize, this.length);
      if (options.dropLast && end - start < batchSize) return;
      const batch: T[] = [];
      for (let i = start; i < end; i++) batch.push(this.#get(order ? order[i]! : i));
      yield batch;
    }
  }

  /**
   * Batches of examples of similar length, so padding is small: within pools of
   * `poolSize` batches (default 50) of the (seeded, per-epoch) shuffled order, examples
   * are sorted by `length` and cut into batches, and the batch order is shuffled again,
   * so training does not see short sequences first. Every example appears once.
   *
   * @example
   * ```ts
   * const batches = sentences.bucketBatches({ batchSize: 32, length: (s) => s.x.length, shuffleSeed: 1, epoch });
   * ```
   */
  *bucketBatches(options: BatchOptions & { length: (item: T) => number; poolSize?: number }): Generator<T[]> {
    const { batchSize } = options;
    checkPositiveInteger('Dataset.bucketBatches', 'batchSize', batchSize);
    const seed = options.shuffleSeed;
    const epochSeed = seed === undefined ? undefined : deriveSeed(seed, options.epoch ?? 0);
    const order = epochSeed === undefined ? Array.from({ length: this.length }, (_, i) => i) : Array.from(permutation(this.length, deriveSeed(epochSeed, 0)));
    const pool = batchSize * (options.poolSize ?? 50);
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += pool) {
      const lengths = new Map<number, number>();
      const chunk = order.slice(start, start + pool);
      for (const i of chunk) lengths.set(i, options.length(this.#get(i)));
      chunk.sort((a, b) => lengths.get(a)! - lengths.get(b)! || a - b);
      for (let b = 0; b < chunk.length; b += batchSize) {
        const batch = chunk.slice(b, b + batchSize);
        if (options.dropLast && batch.length < batchSize) continue;
        batches.push(batch);
      }
    }
    const batchOrder = epochSeed === undefined ? null : permutation(batches.length, deriveSeed(epochSeed, 1));
    for (let k = 0; k < batches.length; k++) yield batches[batchOrder ? batchOrder[k]! : k]!.map((i) => this.#get(i));
  }

  /**
   * Every example, in order, as an array.
   *
   * @example
   * ```ts
   * Dataset.from([1, 2]).toArray(); // [1, 2]
   * ```
   */
  toArray(): T[] {
    return Array.from({ length: this.length }, (_, i) => this.#get(i));
  }

  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }
}

/** A batch as tensors: x [B, ...], y [B, ...], and the real lengths when padded. */
export interface CollatedBatch {
  x: Tensor;
  y: Tensor;
  /** With variable-length inputs: each sample's length along its first axis (padding follows). */
  lengths?: number[];
}

export interface CollateOptions {
  /** dtype of y: 'int32' for class labels (crossEntropyLoss), default 'float32'. */
  yDtype?: DType;
  /** Value of the padding after shorter sequences (default 0). */
  padValue?: number;
}

/**
 * Stacks examples into tensors x [B, ...] and y [B, ...]. Inputs whose first axis
 * differs (sequences of different lengths) are padded at the end to the longest, and
 * their lengths returned, ready for `forward(x, { lengths })`. The caller owns the
 * tensors (`fit`, `evaluate` and `predict` release theirs).
 *
 * @example
 * ```ts
 * const { x, y, lengths } = collate([{ x: [[1], [2], [3]], y: 1 }, { x: [[4]], y: 0 }], { yDtype: 'int32' });
 * // x [2, 3, 1] = [[[1], [2], [3]], [[4], [0], [0]]], y [2] int32, lengths [3, 1]
 * ```
 */
export function collate(samples: readonly Sample[], options: CollateOptions = {}): CollatedBatch {
  if (samples.length === 0) throw new ArgumentError('collate', 'needs at least one example');
  const xs = samples.map((s) => flatten(s.x));
  const ys = samples.map((s) => flatten(s.y));
  const x = stackPadded('x', xs, options.padValue ?? 0);
  const y = stackPadded('y', ys, 0);
  if (y.lengths) throw new ShapeError({ op: 'collate', detail: 'every target must have the same shape', actual: ys.map((v) => v.shape) });
  return {
    x: tensor(x.values, x.shape),
    y: tensor(y.values, y.shape, { dtype: options.yDtype ?? 'float32' }),
    ...(x.lengths ? { lengths: x.lengths } : {}),
  };
}

interface Flat {
  values: number[];
  shape: number[];
}

function flatten(value: NestedNumbers): Flat {
  if (typeof value === 'number') return { values: [value], shape: [] };
  const items = Array.from(value as ArrayLike<NestedNumbers>);
  if (items.length === 0) return { values: [], shape: [0] };
  const parts = items.map(flatten);
  const inner = parts[0]!.shape;
  for (const p of parts) {
    if (p.shape.join() !== inner.join()) throw new ShapeError({ op: 'collate', detail: 'ragged nested array', expected: inner, actual: p.shape });
  }
  return { values: parts.flatMap((p) => p.values), shape: [items.length, ...inner] };
}

function stackPadded(name: string, items: Flat[], padValue: number): Flat & { lengths?: number[] } {
  const first = items[0]!.shape;
  const same = items.every((f) => f.shape.join() === first.join());
  if (same) return { values: items.flatMap((f) => f.values), shape: [items.length, ...first] };
  const tail = first.slice(1).join();
  if (first.length === 0 || items.some((f) => f.shape.length !== first.length || f.shape.slice(1).join() !== tail)) {
    throw new ShapeError({ op: 'collate', detail: `every ${name} must have the same shape except the length of its first axis`, actual: items.map((f) => f.shape) });
  }
  const lengths = items.map((f) => f.shape[0]!);
  const longest = Math.max(...lengths);
  const step = first.slice(1).reduce((a, b) => a * b, 1);
  const values: number[] = [];
  for (const f of items) {
    values.push(...f.values);
    for (let i = f.values.length; i < longest * step; i++) values.push(padValue);
  }
  return { values, shape: [items.length, longest, ...first.slice(1)], lengths };
}

function clamp(v: number, length: number): number {
  return Math.min(Math.max(Math.trunc(v), 0), length);
}

/** A seeded permutation of 0..n-1. */
function permutation(n: number, seed: number): Uint32Array {
  checkSeed('shuffle', seed);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const scratch = new Uint32Array(2);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform53(seed, i, scratch) * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
