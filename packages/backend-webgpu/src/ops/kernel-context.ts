/**
 * What the op functions in this folder need from the backend: the command queue and
 * pipelines, handle storage, pooled temporaries, and the per-op state checks. The
 * backend builds one such object over its private state, so an op family's host code
 * depends on this interface rather than on the whole class.
 */
import type { DType, Handle, Shape } from '@cellstate/tensor';
import type { CommandQueue } from '../command-queue.js';
import type { KernelSpec } from '../kernels/kernel-spec.js';
import type { PipelineCache } from '../pipeline-cache.js';

export interface KernelContext {
  readonly queue: CommandQueue;
  readonly pipelines: PipelineCache;
  /** The matmul variant chosen at creation (`kernelVariant`). */
  readonly matmulVariant: 'tiled' | 'blocked';
  /** A 16-byte buffer bound in place of an absent optional input. */
  readonly dummy: GPUBuffer;
  /** Start of every op: state checks and the submit threshold (between ops only). */
  begin(op: string): void;
  /** A new handle with a pooled buffer of `shape` (32-bit elements). */
  alloc(shape: Shape, dtype: DType): Handle;
  /** The buffer behind a live handle (throws for a released one). */
  buffer(handle: Handle, op: string): GPUBuffer;
  /** A pooled scratch buffer of at least `bytes`; give it back with `free`. */
  temp(bytes: number): GPUBuffer;
  /** Returns a scratch buffer to the pool once the commands using it are submitted. */
  free(buffer: GPUBuffer): void;
  /** Drops one reference to a handle (as `Backend.release`). */
  release(handle: Handle): void;
  /** Records one dispatch of `spec` under `config`. */
  dispatch<C>(spec: KernelSpec<C>, config: C, uniforms: ArrayLike<number>, buffers: readonly GPUBuffer[], workgroups: readonly [number, number, number]): void;
}
