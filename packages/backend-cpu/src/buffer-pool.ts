import type { DType, TensorData } from '@cellstate/tensor';

/** Options of `BufferPool`. */
export interface BufferPoolOptions {
  /** Most bytes kept for reuse (default 64 MiB); 0 turns pooling off. The oldest arrays go first when it is full. */
  maxBytes?: number;
  /** Arrays smaller than this many elements are never pooled (default 1024): V8 allocates those cheaply. */
  minElements?: number;
}

/**
 * Typed arrays kept for reuse, so a training loop whose steps allocate similar shapes over
 * and over stops making garbage: without it the V8 collector took a fifth of a
 * translation training step, and every fresh large array costs page faults on first touch.
 *
 * Buffers come in size classes (a length rounded up to 8-16 steps per power of two, at
 * most 12.5 % larger), and `alloc` returns a view of the requested length, so batches of
 * other lengths (a translation batch of 7 or of 9 tokens) share buffers instead of each
 * length keeping its own. A reused array is zeroed, like a fresh one.
 *
 * @example
 * ```ts
 * const pool = new BufferPool();
 * const a = pool.alloc('float32', 4000);
 * pool.give(a);
 * pool.alloc('float32', 4090).buffer === a.buffer; // true (same class), zeroed
 * ```
 */
export class BufferPool {
  readonly maxBytes: number;
  readonly minElements: number;
  readonly #free = new Map<number, TensorData[]>();
  /** Every pooled array (full class length), oldest first: evicted from the front when the pool is full. */
  #order: TensorData[] = [];
  #head = 0;
  #bytes = 0;

  constructor(options: BufferPoolOptions = {}) {
    this.maxBytes = options.maxBytes ?? 64 * 2 ** 20;
    this.minElements = options.minElements ?? 1024;
  }

  /** Bytes held for reuse. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A zeroed array of `size` elements (a view of a pooled class-sized buffer when one is free). */
  alloc(dtype: DType, size: number): TensorData {
    if (size < this.minElements || this.maxBytes === 0) return dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
    const cls = sizeClass(size);
    // The request's class, else one of the next REUSE_CLASSES (up to ~30-60 % larger):
    // batches of varying shapes free buffers of neighbouring classes, and a miss is a fresh
    // array that V8 frees only lazily (W5's peak RSS fell from 444 to 310 MB with this).
    let full: TensorData | undefined;
    for (let c = cls, k = 0; !full && k <= REUSE_CLASSES; c = sizeClass(c + 1), k++) full = this.#free.get(key(dtype, c))?.pop();
    let out: TensorData;
    if (full) {
      this.#bytes -= full.byteLength;
      out = full.length === size ? full : full.subarray(0, size);
      out.fill(0);
    } else {
      const fresh = dtype === 'int32' ? new Int32Array(cls) : new Float32Array(cls);
      out = cls === size ? fresh : fresh.subarray(0, size);
    }
    return out;
  }

  /**
   * Takes back an array nobody references any more (only those whose buffer is exactly a
   * size class, the view's or one of the next `REUSE_CLASSES`: what `alloc` hands out). When the pool is full the arrays given longest ago
   * are dropped first: shapes that stopped recurring make room for the current ones.
   */
  give(data: TensorData): void {
    const size = data.length;
    if (size < this.minElements || data.byteOffset !== 0) return;
    const isInt = data instanceof Int32Array;
    // A view handed out by alloc: its buffer is a whole size class (maybe a larger one than the view's).
    const cls = data.buffer.byteLength / 4;
    if (cls < size || sizeClass(cls) !== cls || cls > classAbove(size, REUSE_CLASSES) || cls * 4 > this.maxBytes) return;
    const full: TensorData = cls === size ? data : isInt ? new Int32Array(data.buffer as ArrayBuffer) : new Float32Array(data.buffer as ArrayBuffer);
    while (this.#bytes + full.byteLength > this.maxBytes) this.#evictOldest();
    const k = key(isInt ? 'int32' : 'float32', cls);
    let list = this.#free.get(k);
    if (!list) this.#free.set(k, (list = []));
    list.push(full);
    this.#order.push(full);
    this.#bytes += full.byteLength;
  }

  /** Drops every pooled array. */
  clear(): void {
    this.#free.clear();
    this.#order = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  #evictOldest(): void {
    // #order may hold arrays already taken back out by alloc(): skip those.
    while (this.#head < this.#order.length) {
      const data = this.#order[this.#head++]!;
      const list = this.#free.get(key(data instanceof Int32Array ? 'int32' : 'float32', data.length));
      const at = list ? list.lastIndexOf(data) : -1;
      if (at < 0) continue;
      list!.splice(at, 1);
      this.#bytes -= data.byteLength;
      break;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** How many classes above a request's own `alloc` may serve it from. */
export const REUSE_CLASSES = 4;

/** The size class `k` classes above `n`'s own. */
export function classAbove(n: number, k: number): number {
  let c = sizeClass(n);
  for (let i = 0; i < k; i++) c = sizeClass(c + 1);
  return c;
}

/** `n` rounded up to a value with at most four significant bits (8-16 classes per power of two). */
export function sizeClass(n: number): number {
  if (n <= 16) return n;
  const shift = Math.floor(Math.log2(n)) - 3;
  const step = 2 ** shift;
  return Math.ceil(n / step) * step;
}

function key(dtype: DType, size: number): number {
  return size * 2 + (dtype === 'int32' ? 1 : 0);
}
