/**
 * Pool of storage buffers by size class, with byte accounting.
 *
 * - Size classes: requests are rounded up to a multiple of 16 bytes below 256 bytes, and
 *   above that to the next of 2^k, 1.25·2^k, 1.5·2^k, 1.75·2^k (at most 25% waste), so a
 *   freed buffer serves many nearby sizes. Every buffer is at least 16 bytes (an empty
 *   tensor still binds a buffer).
 * - Caps: at most `maxPerClass` idle buffers per class and `maxPooledBytes` idle bytes in
 *   all; a buffer returned beyond a cap is destroyed.
 * - Accounting: `bytesInUse` counts buffers handed out (at their class size, the memory
 *   they really hold), `bytesPooled` idle ones; `acquire` drains the pool first when
 *   a new buffer would push the total past `maxTotalBytes`.
 *
 * The pool does not know about the command queue: the backend returns a buffer only
 * when no unsubmitted command still uses it (see command-queue.ts).
 */

/** The part of GPUDevice / GPUBuffer the pool uses (a fake in buffer-pool.test.ts). */
export interface PoolDevice<B extends PoolBuffer> {
  createBuffer(descriptor: { size: number; usage: number; label?: string }): B;
}
export interface PoolBuffer {
  readonly size: number;
  destroy(): void;
}

export interface BufferPoolOptions {
  /** Idle buffers kept per size class (default 32). */
  maxPerClass?: number;
  /** Idle bytes kept in all (default 256 MiB). */
  maxPooledBytes?: number;
  /** Pool drains before allocating past this many bytes in all (default Infinity). */
  maxTotalBytes?: number;
}

/** The size class (bytes actually allocated) for a request of `bytes`. */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes));
  if (b <= 256) return Math.ceil(b / 16) * 16;
  const p = 2 ** Math.floor(Math.log2(b));
  for (const f of [1, 1.25, 1.5, 1.75, 2]) {
    const c = p * f;
    if (c >= b) return c;
  }
  return p * 2;
}

export class BufferPool<B extends PoolBuffer> {
  readonly #device: PoolDevice<B>;
  readonly #usage: number;
  readonly #free = new Map<number, B[]>();
  readonly #maxPerClass: number;
  readonly #maxPooledBytes: number;
  readonly #maxTotalBytes: number;
  #bytesInUse = 0;
  #bytesPooled = 0;
  #buffersCreated = 0;

  constructor(device: PoolDevice<B>, usage: number, options: BufferPoolOptions = {}) {
    this.#device = device;
    this.#usage = usage;
    this.#maxPerClass = options.maxPerClass ?? 32;
    this.#maxPooledBytes = options.maxPooledBytes ?? 256 * 1024 * 1024;
    this.#maxTotalBytes = options.maxTotalBytes ?? Number.POSITIVE_INFINITY;
  }

  /** A buffer of at least `bytes` (its `size` is the class size). */
  acquire(bytes: number): B {
    const size = sizeClass(bytes);
    const list = this.#free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.#bytesPooled -= size;
      this.#bytesInUse += size;
      return reused;
    }
    if (this.#bytesInUse + this.#bytesPooled + size > this.#maxTotalBytes) this.drain();
    const buffer = this.#device.createBuffer({ size, usage: this.#usage, label: `cellstate-${size}` });
    this.#buffersCreated++;
    this.#bytesInUse += size;
    return buffer;
  }

  /** Gives `buffer` back: kept for reuse, or destroyed when a cap is reached. */
  release(buffer: B): void {
    const size = buffer.size;
    this.#bytesInUse -= size;
    const list = this.#free.get(size) ?? [];
    if (list.length >= this.#maxPerClass || this.#bytesPooled + size > this.#maxPooledBytes) {
      buffer.destroy();
      return;
    }
    list.push(buffer);
    this.#free.set(size, list);
    this.#bytesPooled += size;
  }

  /** Destroys every idle buffer. */
  drain(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
    this.#bytesPooled = 0;
  }

  get bytesInUse(): number {
    return this.#bytesInUse;
  }
  get bytesPooled(): number {
    return this.#bytesPooled;
  }
  /** Buffers created so far (for tests: reuse means this stops growing). */
  get buffersCreated(): number {
    return this.#buffersCreated;
  }
}
