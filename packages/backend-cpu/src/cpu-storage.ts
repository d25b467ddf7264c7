import { type BackendMemory, type DType, type Handle, type Shape, type TensorData } from '@cellstate/tensor';
import { dtypeOf, StorageTable } from '@cellstate/tensor/backend-kit';
import { BufferPool } from './buffer-pool.js';
import type { ResidentReserve } from './wasm/kernels.js';

interface Storage {
  /** The values; empty while they are `resident` in the WebAssembly memory. */
  data: TensorData;
  /** Values left in the kernels' linear memory (an LSTM reserve, Adam moments), copied out only when read. */
  resident: ResidentReserve | null;
  bytes: number;
  refs: number;
  /** Known to hold only +0 (made by fill(0)); storages change after they are made only in place (markWritten). */
  zero?: boolean;
}

const NO_DATA = new Float32Array(0);

/**
 * The CPU backend's storage: a Map from handle id to a typed array with a reference
 * count, arrays drawn from (and given back to) a `BufferPool`. A storage may instead
 * hold values resident in the WebAssembly memory, copied out on first read.
 *
 * A handle's `shape` (not the storage) says how to read the values: the tensor layer
 * makes reshape views that share an id with a different shape of the same size.
 */
export class CpuStorage {
  readonly #storage = new StorageTable<Storage>('cpu');
  #nextId = 1;
  #bytesInUse = 0;
  readonly #pool: BufferPool;
  /** Told when a storage's values change in place or it is freed (packed copies of it are then stale). */
  onForget: ((id: number) => void) | null = null;

  constructor(poolBytes: number) {
    this.#pool = new BufferPool({ maxBytes: poolBytes });
  }

  /** A fresh zeroed array from the pool. */
  alloc(dtype: DType, size: number): TensorData {
    return this.#pool.alloc(dtype, size);
  }

  f32(size: number): Float32Array {
    return this.#pool.alloc('float32', size) as Float32Array;
  }

  i32(size: number): Int32Array {
    return this.#pool.alloc('int32', size) as Int32Array;
  }

  /** Gives a scratch array from `f32`/`i32` that no handle owns back to the pool. */
  recycle(data: TensorData): void {
    this.#pool.give(data);
  }

  /** A new handle (one reference) owning `data`. */
  store(data: TensorData, shape: Shape): Handle {
    const id = this.#nextId++;
    this.#storage.set(id, { data, resident: null, bytes: data.byteLength, refs: 1 });
    this.#bytesInUse += data.byteLength;
    return { id, shape: [...shape], dtype: dtypeOf(data) };
  }

  /** A new float32 handle whose values stay in the WebAssembly memory until read. */
  storeResident(resident: ResidentReserve, shape: Shape): Handle {
    const handle = this.store(NO_DATA, shape);
    const s = this.#storage.get(handle.id)!;
    s.resident = resident;
    s.bytes = resident.length * 4;
    this.#bytesInUse += s.bytes;
    return handle;
  }

  /**
   * Storage `id` now holds `resident` (Adam's moments kept in the WebAssembly memory):
   * its array goes back to the pool. Nothing happens if it holds `resident` already.
   */
  adoptResident(id: number, resident: ResidentReserve): void {
    const s = this.#storage.get(id)!;
    if (s.resident === resident) return;
    this.onForget?.(id);
    s.resident?.free();
    this.#pool.give(s.data);
    s.resident = resident;
    s.data = NO_DATA;
    s.zero = false;
  }

  /** The values behind `handle` (read as `handle.shape`); throws once the storage is freed. */
  data(handle: Handle, op: string): TensorData {
    const s = this.#storage.of(handle, op);
    if (s.resident) {
      // First read of values kept in the WebAssembly memory: copy them out now.
      s.data = s.resident.read();
      s.resident.free();
      s.resident = null;
    }
    return s.data;
  }

  /** float32 storage behind `handle` (the op layer checks dtypes before a fused call). */
  float(handle: Handle, op: string): Float32Array {
    return this.data(handle, op) as Float32Array;
  }

  /** Values of `id` still resident in the WebAssembly memory, else null. */
  resident(id: number): ResidentReserve | null {
    const s = this.#storage.get(id);
    return s?.resident?.live ? s.resident : null;
  }

  /** The resident values of `id` (live or not), or its array: what an in-place update reads. */
  residentOrData(id: number): ResidentReserve | Float32Array {
    const s = this.#storage.get(id)!;
    return s.resident ?? (s.data as Float32Array);
  }

  /** Handles referencing storage `id`. */
  refs(id: number): number {
    return this.#storage.get(id)!.refs;
  }

  /** Whether storage `id` is known to hold only +0. */
  isZero(id: number): boolean {
    return this.#storage.get(id)!.zero === true;
  }

  markZero(id: number): void {
    this.#storage.get(id)!.zero = true;
  }

  /** Storage `id` was written in place (`addInto`, a donated `adamStep`): it no longer holds only +0. */
  markWritten(id: number): void {
    this.#storage.get(id)!.zero = false;
    this.onForget?.(id);
  }

  retain(handle: Handle): void {
    this.#storage.retain(handle);
  }

  release(handle: Handle): void {
    const s = this.#storage.release(handle);
    if (s) {
      this.onForget?.(handle.id);
      this.#bytesInUse -= s.bytes;
      s.resident?.free();
      this.#pool.give(s.data);
    }
  }

  memory(): BackendMemory {
    const pooled = this.#pool.bytes;
    return { handles: this.#storage.size, bytesInUse: this.#bytesInUse, bytesPooled: pooled, bytesAllocated: this.#bytesInUse + pooled };
  }

  /** Frees the arrays kept for reuse. */
  releasePooled(): void {
    this.#pool.clear();
  }

  /** Frees everything (resident values included). */
  clear(): void {
    for (const s of this.#storage.values()) s.resident?.free();
    this.#storage.clear();
    this.#pool.clear();
    this.#bytesInUse = 0;
  }
}
