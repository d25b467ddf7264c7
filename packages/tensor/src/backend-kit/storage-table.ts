import type { Handle } from '../backend/handle.js';
import { DisposedTensorError } from '../errors.js';

/**
 * A backend's storages by handle id, with the reference counts `retain` and `release`
 * move: a lookup of a released storage throws `DisposedTensorError` naming the op and
 * the backend, and `release` hands back the storage whose last reference went, for the
 * backend to free its memory.
 *
 * @example
 * ```ts
 * const storages = new StorageTable<{ buffer: GPUBuffer; refs: number }>('webgpu');
 * storages.set(id, { buffer, refs: 1 });
 * const freed = storages.release(handle);
 * if (freed) pool.give(freed.buffer);
 * ```
 */
export class StorageTable<S extends { refs: number }> extends Map<number, S> {
  constructor(readonly backend: string) {
    super();
  }

  /** The storage of `handle`, or `DisposedTensorError` for `op` once it was released. */
  of(handle: Handle, op: string): S {
    const s = this.get(handle.id);
    if (!s) throw new DisposedTensorError(op, `storage ${handle.id} on backend '${this.backend}' was already released`);
    return s;
  }

  retain(handle: Handle): void {
    this.of(handle, 'retain').refs++;
  }

  /** Drops one reference; the storage itself when that was the last (it is gone from the table). */
  release(handle: Handle): S | undefined {
    const s = this.of(handle, 'release');
    if (--s.refs > 0) return undefined;
    this.delete(handle.id);
    return s;
  }
}
