import type { Shape } from '../shape-type.js';

/**
 * An odometer over the dimensions of an iteration space that keeps one element offset
 * per operand: each `next()` moves to the following position in row-major order and
 * updates every offset by its operand's stride, so kernels never recompute a flat
 * index from a multi-index. Typical use: the outer dimensions of a `coalesce`d layout,
 * one `next()` per innermost row (or per matrix of a batched matmul).
 *
 * @example
 * ```ts
 * import { StridedCursor, broadcastStrides } from '@cellstate/tensor/backend-kit';
 * // rows of out [2, 3] = a [2, 3] + b [3]: a's row offset moves by 3, b's stays 0
 * const cursor = new StridedCursor([2], [[3], [0]]);
 * for (let row = 0; row < 2; row++, cursor.next()) {
 *   const [ai, bi] = cursor.offsets; // (0, 0), then (3, 0)
 * }
 * ```
 */
export class StridedCursor {
  /** The current element offset of each operand. */
  readonly offsets: number[];
  readonly #shape: Shape;
  readonly #strides: readonly (readonly number[])[];
  readonly #rank: number;
  readonly #index: number[];

  /**
   * @param shape sizes of the iteration space (outermost first).
   * @param strides element strides of each operand over `shape`.
   * @param rank walk only the first `rank` dimensions (default all), e.g. all but a row.
   * @param start each operand's offset at position 0 (default 0).
   */
  constructor(shape: Shape, strides: readonly (readonly number[])[], rank = shape.length, start?: readonly number[]) {
    this.#shape = shape;
    this.#strides = strides;
    this.#rank = rank;
    this.#index = new Array<number>(Math.max(rank, 0)).fill(0);
    this.offsets = start ? [...start] : strides.map(() => 0);
  }

  /** Moves to the next position (past the last one it wraps to position 0). */
  next(): void {
    const offsets = this.offsets;
    const strides = this.#strides;
    for (let d = this.#rank - 1; d >= 0; d--) {
      for (let k = 0; k < offsets.length; k++) offsets[k]! += strides[k]![d]!;
      const n = this.#shape[d]!;
      if (++this.#index[d]! < n) return;
      for (let k = 0; k < offsets.length; k++) offsets[k]! -= strides[k]![d]! * n;
      this.#index[d] = 0;
    }
  }
}
