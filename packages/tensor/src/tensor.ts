import type { Backend } from './backend/backend.js';
import type { Handle } from './backend/handle.js';
import type { DataFor, DType, TensorData } from './dtype.js';
import { BackendMismatchError, DisposedTensorError, UnsupportedOpError } from './errors.js';
import { onTensorCreated, onTensorDisposed } from './memory-tracking.js';
import type { Shape } from './shape.js';
import { sizeOf } from './shape.js';
import { findBackend, initBackend } from './registry.js';

// Node 20 ships Symbol.dispose; older runtimes and some browsers may not.
(Symbol as { dispose?: symbol }).dispose ??= Symbol.for('Symbol.dispose');

/** @internal Autograd bookkeeping attached to a tensor an op produced. */
export interface GradNodeRef {
  readonly id: number;
}

/**
 * An n-dimensional array on one backend. Values live inside the backend; reading
 * them is the only asynchronous operation (`await t.data()`).
 *
 * Ownership: whoever creates a tensor owns one reference and releases it with
 * `dispose()` (or `using`, or by creating it inside `scope()`). Layers never dispose
 * their inputs.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, tensor, add } from '@cellstate/tensor';
 * await ready();
 * using a = tensor([1, 2, 3]);
 * using b = add(a, a);
 * console.log(await b.data()); // Float32Array [2, 4, 6]
 * ```
 */
export class Tensor<D extends DType = DType> {
  readonly shape: Shape;
  readonly dtype: D;
  readonly backend: Backend;
  readonly size: number;
  /** True for leaves whose gradient `backward()` should return (parameters). */
  requiresGrad = false;
  /** @internal The tape node that produced this tensor, while the tape holds it. */
  node: GradNodeRef | null = null;
  #handle: Handle | null;

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(backend: Backend, handle: Handle, options: { track?: boolean } = {}) {
    this.backend = backend;
    this.#handle = handle;
    this.shape = handle.shape;
    this.dtype = handle.dtype as D;
    this.size = sizeOf(handle.shape);
    onTensorCreated(this, options.track ?? true);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  /** The backend handle; throws `DisposedTensorError` (naming `op`) after `dispose()`. */
  handleFor(op: string): Handle {
    if (this.#handle === null) throw new DisposedTensorError(op, `a ${this.describe()} tensor was used after dispose()`);
    return this.#handle;
  }

  get handle(): Handle {
    return this.handleFor('tensor.handle');
  }

  /** Reads a copy of the values. Prefer `readMany` for several tensors at once. */
  async data(): Promise<DataFor<D>> {
    return (await this.backend.read(this.handleFor('data'))) as DataFor<D>;
  }

  /** Synchronous read; only on backends with `capabilities.syncRead` (the CPU backend). */
  dataSync(): DataFor<D> {
    const handle = this.handleFor('dataSync');
    if (!this.backend.capabilities.syncRead || !this.backend.readSync) {
      throw new UnsupportedOpError('dataSync', this.backend.name, 'reads are asynchronous on this backend; use await tensor.data()');
    }
    return this.backend.readSync(handle) as DataFor<D>;
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new UnsupportedOpError('item', this.backend.name, `tensor has ${this.size} elements, item() needs exactly 1`);
    return (await this.data())[0]!;
  }

  /** Values as nested arrays. */
  async array(): Promise<unknown> {
    return toNested(await this.data(), this.shape);
  }

  /** Copies this tensor to backend `name` (initialising it if needed). Moves are always explicit. */
  async to(name: string): Promise<Tensor<D>> {
    const target = findBackend(name) ?? (await initBackend(name));
    const values = await this.data();
    return new Tensor<D>(target, target.upload(values, this.shape, this.dtype));
  }

  /** Releases this tensor's reference to its storage. Safe to call twice. */
  dispose(): void {
    if (this.#handle === null) return;
    const handle = this.#handle;
    this.#handle = null;
    // `node` stays: autograd walks the graph through disposed intermediates (their
    // values are saved by the tape itself).
    onTensorDisposed(this);
    this.backend.release(handle);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  describe(): string {
    return `${this.dtype}[${this.shape.join(', ')}] on '${this.backend.name}'`;
  }

  toString(): string {
    return `Tensor(${this.describe()}${this.isDisposed ? ', disposed' : ''})`;
  }
}

function toNested(data: TensorData, shape: Shape): unknown {
  if (shape.length === 0) return data[0];
  const walk = (offset: number, dim: number): unknown => {
    const n = shape[dim]!;
    if (dim === shape.length - 1) return Array.from(data.subarray(offset, offset + n));
    const stride = sizeOf(shape.slice(dim + 1));
    return Array.from({ length: n }, (_, i) => walk(offset + i * stride, dim + 1));
  };
  return walk(0, 0);
}

/** Checks that all tensors are live and on one backend; returns it. */
export function backendOf(op: string, tensors: readonly Tensor[]): Backend {
  const first = tensors[0]!;
  for (const t of tensors) t.handleFor(op);
  for (const t of tensors) {
    if (t.backend !== first.backend) throw new BackendMismatchError(op, [first.backend.name, t.backend.name]);
  }
  return first.backend;
}

/**
 * Reads several tensors with one submit per backend.
 *
 * @example
 * ```ts
 * const [loss, accuracy] = await readMany([lossTensor, accuracyTensor]);
 * ```
 */
export async function readMany(tensors: readonly Tensor[]): Promise<TensorData[]> {
  const out = new Array<TensorData>(tensors.length);
  const groups = new Map<Backend, number[]>();
  tensors.forEach((t, i) => {
    t.handleFor('readMany');
    const list = groups.get(t.backend) ?? [];
    list.push(i);
    groups.set(t.backend, list);
  });
  await Promise.all(
    [...groups].map(async ([backend, indices]) => {
      const values = await backend.readMany(indices.map((i) => tensors[i]!.handleFor('readMany')));
      indices.forEach((i, j) => (out[i] = values[j]!));
    }),
  );
  return out;
}
