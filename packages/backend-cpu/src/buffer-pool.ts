import type { DType, TensorData } from '@cellstate/tensor';

/** Options of `BufferPool`. */
export interface BufferPoolOptions {
  /** Most bytes kept for reuse (default 256 MiB); 0 turns pooling off. */
  maxBytes?: number;
  /** Arrays smaller than this many elements are never pooled (default 1024): V8 allocates those cheaply. */
  minElements?: number;
}

/**
 * Typed arrays kept for reuse by exact (dtype, length), so a training loop whose steps
 * allocate the same shapes over and over stops making garbage: without it the V8
 * collector took a fifth of a translation training step, and every fresh large array
 * costs page faults on first touch. A reused array is zeroed, like a fresh one.
 *
 * @example
 * ```ts
 * const pool = new BufferPool();
 * const a = pool.alloc('float32', 4096);
 * pool.give(a);
 * pool.alloc('float32', 4096) === a; // true, zeroed
 * ```
 */
export class BufferPool {
  readonly maxBytes: number;
  readonly minElements: number;
  readonly #free = new Map<number, TensorData[]>();
  #bytes = 0;

  constructor(options: BufferPoolOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 2 ** 20;
    this.minElements = options.minElements ?? 1024;
  }

  /** Bytes held for reuse. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A zeroed array of `size` elements, reused when one of that size and dtype is free. */
  alloc(dtype: DType, size: number): TensorData {
    if (size >= this.minElements) {
      const list = this.#free.get(key(dtype, size));
      const reused = list?.pop();
      if (reused) {
        this.#bytes -= reused.byteLength;
        reused.fill(0);
        return reused;
      }
    }
    return dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  }

  /** Takes back an array nobody references any more (dropped when the pool is full). */
  give(data: TensorData): void {
    const size = data.length;
    if (size < this.minElements || this.#bytes + data.byteLength > this.maxBytes) return;
    const k = key(data instanceof Int32Array ? 'int32' : 'float32', size);
    let list = this.#free.get(k);
    if (!list) this.#free.set(k, (list = []));
    list.push(data);
    this.#bytes += data.byteLength;
  }

  /** Drops every pooled array. */
  clear(): void {
    this.#free.clear();
    this.#bytes = 0;
  }
}

function key(dtype: DType, size: number): number {
  return size * 2 + (dtype === 'int32' ? 1 : 0);
}
