/**
 * Multi-index helpers of the reference backend (deliberately plain): every op there walks
 * its output multi-indices one by one and computes the input multi-index it reads.
 */
import type { Shape } from '../shape.js';

/** The multi-index of flat position `flat` in a row-major tensor of `shape`. */
export function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    index[d] = rest % size;
    rest = Math.floor(rest / size);
  }
  return index;
}

/** The flat position of multi-index `index` in a row-major tensor of `shape`. */
export function ravel(index: readonly number[], shape: Shape): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + index[d]!;
  return flat;
}

/**
 * The index into an input of `inShape` that output multi-index `outIndex` reads under
 * broadcasting: leading output dimensions the input lacks are dropped, and dimensions
 * of size 1 always read position 0.
 */
export function broadcastSourceIndex(outIndex: readonly number[], inShape: Shape): number[] {
  const offset = outIndex.length - inShape.length;
  const inIndex = new Array<number>(inShape.length).fill(0);
  for (let d = 0; d < inShape.length; d++) inIndex[d] = inShape[d] === 1 ? 0 : outIndex[offset + d]!;
  return inIndex;
}
