import type { Shape, TensorData } from '@cellstate/tensor';
import { StridedCursor, product } from '@cellstate/tensor/backend-kit';

/**
 * Reductions: sum and max over a set of axes, argmax along one axis.
 *
 * Shapes: x [...S] with sorted, distinct `axes` -> out [S without axes] (keepDims only
 * changes the shape, not the layout, so the kernels ignore it).
 *
 * `sum`/`max` first merge neighbouring dimensions that are both reduced or both kept
 * and drop size-1 dimensions, then walk x once in memory order, tracking only the
 * output offset with an odometer. When the innermost segment is reduced, each row
 * folds into one scalar; otherwise a row adds elementwise into a run of the output.
 * float32 accumulates in float64; int32 sums wrap like int32.
 */

const INT32_MIN = -2147483648;

interface Segments {
  /** Merged sizes, outermost first (no size-1 entries). */
  sizes: number[];
  /** Output stride of each merged dimension (0 for reduced ones). */
  outStrides: number[];
  /** Whether each merged dimension is reduced. */
  reduced: boolean[];
}

function segments(shape: Shape, axes: readonly number[]): Segments {
  const sizes: number[] = [];
  const reduced: boolean[] = [];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const r = axes.includes(d);
    const last = sizes.length - 1;
    if (last >= 0 && reduced[last] === r) sizes[last]! *= n;
    else {
      sizes.push(n);
      reduced.push(r);
    }
  }
  const outStrides = new Array<number>(sizes.length).fill(0);
  let stride = 1;
  for (let d = sizes.length - 1; d >= 0; d--) {
    if (!reduced[d]) {
      outStrides[d] = stride;
      stride *= sizes[d]!;
    }
  }
  return { sizes, outStrides, reduced };
}

type Mode = 'sum' | 'sumInt' | 'max';

function reduce(mode: Mode, x: TensorData, shape: Shape, axes: readonly number[], out: TensorData, init: number): void {
  const acc = new Float64Array(out.length).fill(init);
  if (x.length > 0 && out.length > 0) {
    const { sizes, outStrides, reduced } = segments(shape, axes);
    const rank = sizes.length;
    const n = rank === 0 ? 1 : sizes[rank - 1]!;
    const innerReduced = rank > 0 && reduced[rank - 1]!;
    const rows = x.length / n;
    // The output offset over the outer dimensions (x is walked in memory order).
    const cursor = new StridedCursor(sizes, [outStrides], rank - 1);
    let xi = 0;
    for (let row = 0; row < rows; row++, cursor.next()) {
      const o = cursor.offsets[0]!;
      if (innerReduced) {
        // x[xi .. xi+n) folds into acc[o].
        let s = acc[o]!;
        const end = xi + n;
        if (mode === 'sum') for (; xi < end; xi++) s += x[xi]!;
        else if (mode === 'sumInt') for (; xi < end; xi++) s = (s + x[xi]!) | 0;
        else
          for (; xi < end; xi++) {
            const v = x[xi]!;
            if (v > s || v !== v) s = v; // once s is NaN, neither test passes again
          }
        acc[o] = s;
      } else {
        // x[xi .. xi+n) adds into acc[o .. o+n).
        const end = xi + n;
        let k = o;
        if (mode === 'sum') for (; xi < end; xi++, k++) acc[k] += x[xi]!;
        else if (mode === 'sumInt') for (; xi < end; xi++, k++) acc[k] = (acc[k]! + x[xi]!) | 0;
        else
          for (; xi < end; xi++, k++) {
            const v = x[xi]!;
            const s = acc[k]!;
            if (v > s || v !== v) acc[k] = v;
          }
      }
    }
  }
  out.set(acc);
}

/** x [...S] -> out [S without axes]: sum; 0 for an empty reduction; int32 wraps. */
export function sum(x: TensorData, shape: Shape, axes: readonly number[], out: TensorData): void {
  reduce(x instanceof Int32Array ? 'sumInt' : 'sum', x, shape, axes, out, 0);
}

/**
 * x [...S] -> out [S without axes]: maximum; NaN if any reduced element is NaN; an
 * empty reduction gives -Infinity (float32) or -2147483648 (int32).
 */
export function max(x: TensorData, shape: Shape, axes: readonly number[], out: TensorData): void {
  reduce('max', x, shape, axes, out, x instanceof Int32Array ? INT32_MIN : -Infinity);
}

/**
 * x [...P, N, ...Q] -> out int32 [...P, ...Q]: index of the first maximum along
 * `axis` (size N). NaN counts as the maximum, so the first NaN wins. N = 0 gives 0.
 * Walks x in memory order, keeping the running best of each of the Q columns.
 */
export function argmax(x: TensorData, shape: Shape, axis: number, out: Int32Array): void {
  const outer = product(shape, 0, axis);
  const n = shape[axis]!;
  const inner = product(shape, axis + 1);
  out.fill(0);
  if (n === 0 || out.length === 0) return;
  const best = new Float64Array(inner);
  for (let p = 0; p < outer; p++) {
    const base = p * n * inner;
    const o = p * inner;
    for (let q = 0; q < inner; q++) best[q] = x[base + q]!;
    for (let k = 1; k < n; k++) {
      const row = base + k * inner;
      for (let q = 0; q < inner; q++) {
        const b = best[q]!;
        const v = x[row + q]!;
        if (b === b && (v > b || v !== v)) {
          best[q] = v;
          out[o + q] = k;
        }
      }
    }
  }
}
