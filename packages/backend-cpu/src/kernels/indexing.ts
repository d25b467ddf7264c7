import type { Shape, TensorData } from '@cellstate/tensor';
import { product } from '@cellstate/tensor/backend-kit';

/**
 * Index kernels. Letters: x is viewed as [P, N, Q] around `axis` (P = prod of the
 * dimensions before it, N = x.shape[axis], Q = prod of those after); the int32
 * `indices` hold J values in any shape.
 */

/** Rows at least this long are copied with `set` rather than element by element. */
const LONG_ROW = 32;

/**
 * x [P, N, Q], indices [J] -> out [P, J, Q] (out.shape = x.shape[:axis] +
 * indices.shape + x.shape[axis+1:]). An index outside [0, N) reads zeros.
 */
export function gather(x: TensorData, shape: Shape, indices: Int32Array, axis: number, out: TensorData): void {
  const p = product(shape, 0, axis);
  const n = shape[axis]!;
  const q = product(shape, axis + 1);
  const jn = indices.length;
  for (let o = 0; o < p; o++) {
    const xBase = o * n * q;
    for (let j = 0; j < jn; j++) {
      const idx = indices[j]!;
      const dst = (o * jn + j) * q;
      if (idx >= 0 && idx < n) {
        const src = xBase + idx * q;
        // A long row is one block copy (2.8x faster for 100-float embedding rows); a
        // short one is cheaper than the subarray view the copy needs.
        if (q >= LONG_ROW) out.set(x.subarray(src, src + q), dst);
        else for (let t = 0; t < q; t++) out[dst + t] = x[src + t]!;
      } else {
        out.fill(0, dst, dst + q);
      }
    }
  }
}

/**
 * x [P, N, Q], indices [J], updates [P, J, Q] -> out [P, N, Q] = x plus each update
 * row added at its index. Repeated indices sum; an index outside [0, N) is ignored.
 * float32 accumulates in float64 (rounded once at the end); int32 wraps.
 */
export function scatterAdd(
  x: TensorData,
  shape: Shape,
  indices: Int32Array,
  updates: TensorData,
  axis: number,
  out: TensorData,
  outIsX = false,
): void {
  const p = product(shape, 0, axis);
  const n = shape[axis]!;
  const q = product(shape, axis + 1);
  const jn = indices.length;
  // outIsX: the caller already put x's values in out (e.g. both are zeros).
  if (!outIsX) out.set(x);
  if (out instanceof Int32Array) {
    // int32 adds straight into out (the Int32Array store wraps).
    for (let o = 0; o < p; o++) {
      const base = o * n * q;
      for (let j = 0; j < jn; j++) {
        const idx = indices[j]!;
        if (idx < 0 || idx >= n) continue;
        const src = (o * jn + j) * q;
        const dst = base + idx * q;
        for (let t = 0; t < q; t++) out[dst + t] += updates[src + t]!;
      }
    }
    return;
  }
  // float32: only the rows some index touches are summed, in float64 from x's value, and
  // rounded once. An embedding gradient touches a few hundred of thousands of rows, so a
  // float64 copy of all of x (as large again as the table, twice) is not made.
  const slotOf = new Map<number, number>();
  const touched: number[] = [];
  for (let o = 0; o < p; o++) {
    const base = o * n * q;
    slotOf.clear();
    touched.length = 0;
    for (let j = 0; j < jn; j++) {
      const idx = indices[j]!;
      if (idx >= 0 && idx < n && !slotOf.has(idx)) {
        slotOf.set(idx, touched.length);
        touched.push(idx);
      }
    }
    if (touched.length === 0) continue;
    // Every slot is written from x before the sums: a reused scratch needs no zeroing.
    const acc = float64Scratch(touched.length * q);
    for (let s = 0; s < touched.length; s++) {
      const src = base + touched[s]! * q;
      for (let t = 0; t < q; t++) acc[s * q + t] = x[src + t]!;
    }
    for (let j = 0; j < jn; j++) {
      const idx = indices[j]!;
      if (idx < 0 || idx >= n) continue;
      const src = (o * jn + j) * q;
      const dst = slotOf.get(idx)! * q;
      for (let t = 0; t < q; t++) acc[dst + t] += updates[src + t]!;
    }
    for (let s = 0; s < touched.length; s++) {
      const dst = base + touched[s]! * q;
      for (let t = 0; t < q; t++) out[dst + t] = acc[s * q + t]!;
    }
  }
}

let scratch = new Float64Array(0);

/**
 * A float64 buffer of at least `n` elements, reused across calls: an embedding gradient
 * per training step would otherwise be a fresh array of garbage (~2 MB a translation step)
 * that V8 frees only lazily. Kernels run one at a time on a thread, so one is enough.
 */
function float64Scratch(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}
