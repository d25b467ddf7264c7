import type { Engine } from './engine.js';

interface Entry {
  address: number;
  bytes: number;
}

/**
 * GEMM right-hand operands packed once and kept in the engine's resident region, by
 * storage id and transpose flag: a weight that many calls multiply by (the output layer
 * and attention layers of a step-by-step decoder, every beam-search step) is copied
 * into the WebAssembly memory and packed into panels once, not at every call.
 *
 * Storages never change after they are made except through in-place ops, which call
 * `forget` (as does the release of a storage), so an entry is never stale. A storage is
 * packed on its second use with the same transpose flag: one-off operands (activations
 * in a backward pass) never pay for the extra copy. Entries beyond `maxBytes` are
 * dropped oldest use first.
 */
export class PackedWeights {
  readonly #engine: Engine;
  readonly #maxBytes: number;
  readonly #nr: number;
  /** key (id·8 + variant: layout·2 + transB, or 4 for 'rows') -> entry, in order of last use. */
  readonly #entries = new Map<number, Entry>();
  /** id -> (layout, transpose) pairs seen once, a bit each. */
  readonly #seen = new Map<number, number>();
  #bytes = 0;

  constructor(engine: Engine, maxBytes: number, nr: number) {
    this.#engine = engine;
    this.#maxBytes = maxBytes;
    this.#nr = nr;
  }

  /** Bytes of the engine's memory the entries hold. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Address of op(b) [k x n] packed by the kernels' `packWeight` in `layout` ('blocks':
   * the GEMM job's packed B; 'panels': one run of panels over all k, the LSTM forward's
   * recurrent weight; 'rows': b as it is, an embedding-folded gate table the LSTM reads
   * rows of), packing it now if this is its second use; null on a first use or when it
   * does not fit. Call before the job lays out its arena (packing uses it).
   */
  address(id: number, b: Float32Array, n: number, k: number, transB: boolean, layout: 'blocks' | 'panels' | 'rows' = 'blocks'): number | null {
    const variant = layout === 'rows' ? 4 : (layout === 'panels' ? 2 : 0) + (transB ? 1 : 0);
    const key = id * 8 + variant;
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.address;
    }
    const bit = 1 << variant;
    const seen = this.#seen.get(id) ?? 0;
    if ((seen & bit) === 0) {
      this.#seen.set(id, seen | bit);
      return null;
    }
    const bytes = layout === 'rows' ? b.length * 4 : Math.ceil(n / this.#nr) * this.#nr * k * 4;
    if (bytes === 0 || bytes > this.#maxBytes) return null;
    for (const [old, entry] of this.#entries) {
      if (this.#bytes + bytes <= this.#maxBytes) break;
      this.#drop(old, entry);
    }
    const e = this.#engine;
    const address = e.allocResident(bytes);
    if (address === null) return null;
    if (layout === 'rows') {
      e.put(address, b);
      return this.#keep(key, address, bytes);
    }
    e.reset();
    const pb = e.alloc(b.length * 4);
    if (!e.commit()) {
      e.freeResident(address);
      return null;
    }
    e.put(pb, b);
    e.args([n, k, pb, transB ? k : n, transB ? 1 : 0, address, layout === 'panels' ? 1 : 0]);
    e.run('packWeight', 1);
    return this.#keep(key, address, bytes);
  }

  #keep(key: number, address: number, bytes: number): number {
    this.#entries.set(key, { address, bytes });
    this.#bytes += bytes;
    return address;
  }

  /** Storage `id` changed or was freed: its packed copies go. */
  forget(id: number): void {
    this.#seen.delete(id);
    for (let key = id * 8; key < id * 8 + 5; key++) {
      const entry = this.#entries.get(key);
      if (entry) this.#drop(key, entry);
    }
  }

  clear(): void {
    for (const [key, entry] of this.#entries) this.#drop(key, entry);
    this.#seen.clear();
  }

  #drop(key: number, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    if (!this.#engine.released) this.#engine.freeResident(entry.address);
  }
}
