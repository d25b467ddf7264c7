import { ARENA_BASE } from './layout.js';
import type { WasmVariant } from './module.js';

const PAGE = 65536;
/** `bytes` rounded up to whole 64-byte lines (blocks never share a cache line). */
export const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * The kernels' linear memory and how it is shared out: a per-call arena that every call
 * lays out anew above ARENA_BASE (the control area lies below), and resident blocks
 * that outlive a call (LSTM reserves, Adam moments) below the arena, reused first fit.
 */
export class LinearMemory {
  readonly memory: WebAssembly.Memory;
  readonly #maxBytes: number;
  f32: Float32Array;
  i32: Int32Array;
  #top = ARENA_BASE;
  /** End of the highest live resident block: every call's arena starts here. */
  #residentEnd = ARENA_BASE;
  /** Live resident blocks: address -> bytes. */
  readonly #resident = new Map<number, number>();
  /** Free ranges below #residentEnd, sorted by address: [start, end). */
  #holes: [number, number][] = [];
  #released = false;

  constructor(variant: WasmVariant) {
    const initial = 4; // control area + a small arena; grown on demand
    if (variant === 'st') {
      this.memory = new WebAssembly.Memory({ initial });
      this.#maxBytes = 2 ** 32 - PAGE;
    } else {
      let memory: WebAssembly.Memory | null = null;
      let maximum = 65536;
      // A 4 GiB maximum reserves address space only; smaller if the platform refuses it.
      for (; memory === null && maximum >= 4096; ) {
        try {
          memory = new WebAssembly.Memory({ initial, maximum, shared: true });
        } catch {
          maximum >>= 2;
        }
      }
      if (memory === null) throw new Error('cannot create shared WebAssembly memory');
      this.memory = memory;
      this.#maxBytes = maximum * PAGE;
    }
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }

  /** Released memories keep their blocks: nothing is given back to them. */
  get released(): boolean {
    return this.#released;
  }

  release(): void {
    this.#released = true;
  }

  /** Starts a call's arena above the resident blocks. */
  reset(): void {
    this.#top = this.#residentEnd;
  }

  /**
   * A block that outlives the call (a reserve kept in linear memory until its handle is
   * released or read): first fit among the holes, else at the end of the resident region.
   * Call before reset(). null when the memory cannot grow.
   */
  allocResident(bytes: number): number | null {
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.#holes.length; i++) {
      const hole = this.#holes[i]!;
      if (hole[1] - hole[0] >= size) {
        const at = hole[0];
        hole[0] += size;
        if (hole[0] === hole[1]) this.#holes.splice(i, 1);
        this.#resident.set(at, size);
        return at;
      }
    }
    const at = this.#residentEnd;
    this.#top = at + size;
    if (!this.commit()) return null;
    this.#residentEnd = at + size;
    this.#resident.set(at, size);
    return at;
  }

  freeResident(at: number): void {
    const size = this.#resident.get(at);
    if (size === undefined) return;
    this.#resident.delete(at);
    const holes = this.#holes;
    let i = 0;
    while (i < holes.length && holes[i]![0] < at) i++;
    holes.splice(i, 0, [at, at + size]);
    // Merge with the neighbours.
    if (i + 1 < holes.length && holes[i]![1] === holes[i + 1]![0]) {
      holes[i]![1] = holes[i + 1]![1];
      holes.splice(i + 1, 1);
    }
    if (i > 0 && holes[i - 1]![1] === holes[i]![0]) {
      holes[i - 1]![1] = holes[i]![1];
      holes.splice(i, 1);
      i--;
    }
    // A hole at the end gives the space back to the arena.
    const last = holes[holes.length - 1];
    if (last && last[1] === this.#residentEnd) {
      this.#residentEnd = last[0];
      holes.pop();
    }
  }

  /** Bytes held by resident blocks (tests). */
  get residentBytes(): number {
    let n = 0;
    for (const size of this.#resident.values()) n += size;
    return n;
  }

  /** Reserves `bytes` (64-byte aligned) and returns the address. */
  alloc(bytes: number): number {
    const at = this.#top;
    this.#top = align(at + bytes);
    return at;
  }

  /** Grows the memory to cover the arena; false when it cannot. Refreshes the views. */
  commit(): boolean {
    if (this.#top > this.#maxBytes) return false;
    const have = this.memory.buffer.byteLength;
    if (this.#top > have) {
      try {
        this.memory.grow(Math.ceil((this.#top - have) / PAGE));
      } catch {
        return false;
      }
    }
    if (this.f32.buffer !== this.memory.buffer || this.f32.byteLength !== this.memory.buffer.byteLength) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
    return true;
  }

  put(at: number, src: Float32Array | Int32Array, start = 0, end = src.length): void {
    if (end <= start) return;
    const view = src instanceof Int32Array ? this.i32 : this.f32;
    view.set(start === 0 && end === src.length ? src : src.subarray(start, end), at >> 2);
  }

  get(at: number, dst: Float32Array, length = dst.length, dstOffset = 0): void {
    if (length <= 0) return;
    dst.set(this.f32.subarray(at >> 2, (at >> 2) + length), dstOffset);
  }

  /**
   * Puts src [steps, B, width] at `at` with row order[k] of each step stored at k (a
   * batch sorted for a kernel); the whole array as it is when order is null.
   */
  putRows(at: number, src: Float32Array, steps: number, B: number, width: number, order: Int32Array | null): void {
    if (!order) {
      this.put(at, src, 0, steps * B * width);
      return;
    }
    const base = at >> 2;
    for (let t = 0; t < steps; t++) {
      for (let k = 0; k < B; k++) {
        const from = (t * B + order[k]!) * width;
        this.f32.set(src.subarray(from, from + width), base + (t * B + k) * width);
      }
    }
  }

  /** The inverse of `putRows`: dst [steps, B, width] (from dstOffset) in the caller's row order. */
  getRows(at: number, dst: Float32Array, steps: number, B: number, width: number, order: Int32Array | null, dstOffset = 0): void {
    if (!order) {
      this.get(at, dst, steps * B * width, dstOffset);
      return;
    }
    const base = at >> 2;
    for (let t = 0; t < steps; t++) {
      for (let k = 0; k < B; k++) {
        const from = base + (t * B + k) * width;
        dst.set(this.f32.subarray(from, from + width), dstOffset + (t * B + order[k]!) * width);
      }
    }
  }
}

/** Gives back the block of a resident reserve that was collected without free() (a backend dropped without dispose()). */
const reserveFinalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<{ engine: LinearMemory; address: number }>(({ engine, address }) => {
        if (!engine.released) engine.freeResident(address);
      })
    : null;

/** A reserve left in an engine's linear memory by `lstmSequenceResident`. */
/**
 * A reserve whose rows are kept in another batch order than the caller's (a fused
 * recurrent kernel run on the batch sorted by length): each section [offset, width] is
 * [steps·batch, width] with the caller's row order[k] of each step stored at k.
 */
export interface ReserveRowOrder {
  readonly order: Int32Array;
  readonly steps: number;
  readonly batch: number;
  readonly sections: readonly (readonly [offset: number, width: number])[];
}

export class ResidentReserve {
  /** @internal */
  readonly engine: LinearMemory;
  readonly address: number;
  /** Floats. */
  readonly length: number;
  /** Set when the rows are stored in another order: reading puts them back in the caller's. */
  readonly rowOrder: ReserveRowOrder | null;
  #live = true;

  /** @internal */
  constructor(engine: LinearMemory, address: number, length: number, rowOrder: ReserveRowOrder | null = null) {
    this.engine = engine;
    this.address = address;
    this.length = length;
    this.rowOrder = rowOrder;
    reserveFinalizer?.register(this, { engine, address }, this);
  }

  get live(): boolean {
    return this.#live && !this.engine.released;
  }

  /** Copies the values into `out` (length floats). */
  copyTo(out: Float32Array): void {
    if (!this.live) throw new Error('the reserve was freed');
    const r = this.rowOrder;
    if (!r) {
      this.engine.get(this.address, out, this.length);
      return;
    }
    for (const [offset, width] of r.sections) this.engine.getRows(this.address + offset * 4, out, r.steps, r.batch, width, r.order, offset);
  }

  /** A copy of the values. */
  read(): Float32Array {
    const out = new Float32Array(this.length);
    this.copyTo(out);
    return out;
  }

  /** Gives the block back (idempotent). */
  free(): void {
    if (!this.#live) return;
    this.#live = false;
    reserveFinalizer?.unregister(this);
    if (!this.engine.released) this.engine.freeResident(this.address);
  }
}

