import type { DType, TensorData } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { FusedOpName, FusedOps } from './fused-ops.js';
import type { Handle } from './handle.js';
import type { PrimitiveOps } from './primitive-ops.js';

/** The version of the Backend contract this package speaks. */
export const BACKEND_CONTRACT_VERSION = 1 as const;

/** What a backend declares about itself; checked by the registry and the conformance suite. */
export interface BackendCapabilities {
  /** `readSync` works (CPU); false on GPU backends, where reads are async. */
  syncRead: boolean;
  dtypes: readonly DType[];
  /** Which optional fused ops are implemented. */
  fused: { readonly [K in FusedOpName]: boolean };
  /** Largest single buffer in bytes. */
  maxBufferBytes: number;
  /** A software implementation of a hardware API (SwiftShader): available, never auto-selected. */
  isSoftware: boolean;
}

/** Byte and handle counters; `bytesInUse` and `handles` return to their baseline after every scope. */
export interface BackendMemory {
  /** Live storages (distinct ids). */
  handles: number;
  /** Bytes held by live storages. */
  bytesInUse: number;
  /** Bytes kept in a pool for reuse (0 on backends that do not pool). */
  bytesPooled: number;
  /** bytesInUse + bytesPooled. */
  bytesAllocated: number;
}

/**
 * The contract every backend implements (contract version 1). A TypeScript interface,
 * not a base class, so an incomplete backend fails `tsc`. Backends know nothing about
 * autograd, layers or each other.
 *
 * @example
 * ```ts
 * import { registerBackend, ready } from '@cellstate/tensor';
 * import { createCpuBackend } from '@cellstate/backend-cpu';
 * registerBackend('my-cpu', () => createCpuBackend(), { priority: 0 });
 * await ready({ prefer: ['my-cpu'] });
 * ```
 */
export interface Backend extends PrimitiveOps, Partial<FusedOps> {
  readonly name: string;
  readonly contractVersion: typeof BACKEND_CONTRACT_VERSION;
  readonly capabilities: BackendCapabilities;

  // --- lifecycle
  /** Submit queued work now (no-op on CPU). */
  flush(): void;
  /** Resolve once all queued work has finished. */
  sync(): Promise<void>;
  /** Release the device and every buffer. The backend is unusable afterwards. */
  dispose(): void;

  // --- data and memory
  /** Copies `values` (length = size of `shape`) into new storage. Values are converted to `dtype`. */
  upload(values: ArrayLike<number>, shape: Shape, dtype: DType): Handle;
  fill(shape: Shape, dtype: DType, value: number): Handle;
  /** Reads a copy of the values. Waits for all work that writes the handle. */
  read(handle: Handle): Promise<TensorData>;
  /** Reads several handles with one submit. */
  readMany(handles: readonly Handle[]): Promise<TensorData[]>;
  /** Only when `capabilities.syncRead`. */
  readSync?(handle: Handle): TensorData;
  /** Adds a reference to the storage behind `handle`. */
  retain(handle: Handle): void;
  /** Drops a reference; frees the storage at zero. Releasing freed storage throws `DisposedTensorError`. */
  release(handle: Handle): void;
  memory(): BackendMemory;
}
