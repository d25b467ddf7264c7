/**
 * What every WGSL kernel module exports (architecture §7).
 *
 * Conventions shared by all kernels:
 * - `@group(0) @binding(0)` is the dispatch's uniform block `u`, a `struct Params`
 *   declared with the kernel (uniform-struct.ts: the same field list packs the host's
 *   words). Sizes, strides, offsets and scalars live there, so shapes never change the
 *   WGSL text. Every dispatch binds 256 bytes (UNIFORM_BYTES) whatever the struct's size.
 * - Bindings 1.. are storage buffers in the order the kernel's header comment lists:
 *   read-only inputs first, then outputs.
 * - `key(config)` contains exactly the parameters that change the text (op, dtype,
 *   workgroup size, tile sizes, optional bindings); the pipeline cache is keyed by it.
 * - Every invocation checks its bounds explicitly; dispatch grids are rounded up.
 */
export interface KernelSpec<C> {
  /** Kernel family name, used in labels and error messages. */
  readonly name: string;
  /** The cache key: changes exactly when `wgsl(config)` changes. */
  key(config: C): string;
  /** The complete WGSL module (preamble + body), entry point `main`. */
  wgsl(config: C): string;
}

/** Words in a dispatch's uniform block (256 bytes: the uniform offset alignment). */
export const UNIFORM_WORDS = 64;
export const UNIFORM_BYTES = UNIFORM_WORDS * 4;

/** Largest workgroup count per grid dimension every WebGPU device supports. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/**
 * A grid of `count` workgroups as (x, y): x up to 65535, rows of x beyond that. Kernels
 * recover the linear workgroup index as `wid.x + wid.y * nwg.x` and check it.
 */
export function grid(count: number): [number, number, number] {
  if (count <= MAX_WORKGROUPS_PER_DIMENSION) return [count, 1, 1];
  const y = Math.ceil(count / MAX_WORKGROUPS_PER_DIMENSION);
  return [Math.ceil(count / y), y, 1];
}

/** Grid for one invocation per element with `workgroupSize` invocations per workgroup. */
export function elementGrid(elements: number, workgroupSize: number): [number, number, number] {
  return grid(Math.ceil(elements / workgroupSize));
}
