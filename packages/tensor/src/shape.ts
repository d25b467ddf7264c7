import { ArgumentError, ShapeError } from './errors.js';

// Shared with the backends through @cellstate/tensor/backend-kit (one implementation).
export { broadcastStrides } from './backend-kit/broadcast-strides.js';
export { reducedShape } from './backend-kit/shape-products.js';

import type { Shape } from './shape-type.js';

export type { Shape } from './shape-type.js';

/** Number of elements of `shape` (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws unless every size is a non-negative integer. */
export function assertValidShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError({ op, detail: 'a shape must be a list of non-negative integers', actual: shape });
  }
}

/**
 * NumPy broadcasting of any number of shapes: sizes are aligned from the right and
 * each pair must be equal or one of them 1.
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new ShapeError({ op, detail: 'shapes cannot be broadcast together', actual: shapes.map((x) => [...x]) });
      }
    }
  }
  return out;
}

/** Normalises axes (negative counts from the end), sorts them, rejects repeats and out-of-range. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new ShapeError({ op, detail: `axis ${a} is out of range for rank ${rank}`, expected: `axis in [${-rank}, ${rank - 1}]`, actual: a });
    }
    return a < 0 ? a + rank : a;
  });
  out.sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new ShapeError({ op, detail: `axis ${out[i]} is repeated`, actual: list });
  }
  return out;
}

/** Checks `perm` is a permutation of 0..rank-1. */
export function checkPermutation(op: string, perm: readonly number[], rank: number): void {
  const seen = new Set<number>();
  const ok = perm.length === rank && perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank && !seen.has(p) && (seen.add(p), true));
  if (!ok) throw new ShapeError({ op, detail: `perm must be a permutation of 0..${rank - 1}`, expected: rank, actual: [...perm] });
}

/** Output shape of a batched matmul, with transpose flags; batch dimensions broadcast. */
export function matmulShape(
  op: string,
  a: Shape,
  b: Shape,
  transposeA: boolean,
  transposeB: boolean,
): { shape: number[]; batch: number[]; m: number; k: number; n: number } {
  if (a.length < 2 || b.length < 2) {
    throw new ShapeError({ op, detail: 'both operands need rank >= 2', expected: '[..., M, K] x [..., K, N]', actual: [[...a], [...b]] });
  }
  const m = transposeA ? a[a.length - 1]! : a[a.length - 2]!;
  const k = transposeA ? a[a.length - 2]! : a[a.length - 1]!;
  const kb = transposeB ? b[b.length - 1]! : b[b.length - 2]!;
  const n = transposeB ? b[b.length - 2]! : b[b.length - 1]!;
  if (k !== kb) {
    throw new ShapeError({
      op,
      detail: `inner dimensions differ (${k} vs ${kb}${transposeA || transposeB ? `, transposeA=${transposeA}, transposeB=${transposeB}` : ''})`,
      expected: '[..., M, K] x [..., K, N]',
      actual: [[...a], [...b]],
    });
  }
  const batch = broadcastShapes(op, a.slice(0, -2), b.slice(0, -2));
  return { shape: [...batch, m, n], batch, m, k, n };
}

/** Validates slice arguments; `size` -1 means "to the end". Returns concrete sizes. */
export function normalizeSlice(op: string, shape: Shape, begin: readonly number[], size: readonly number[]): number[] {
  if (begin.length !== shape.length || size.length !== shape.length) {
    throw new ShapeError({ op, detail: 'begin and size need one entry per dimension', expected: shape.length, actual: [begin.length, size.length] });
  }
  return shape.map((d, i) => {
    const b = begin[i]!;
    const s = size[i] === -1 ? d - b : size[i]!;
    if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || s < 0 || b + s > d) {
      throw new ShapeError({ op, detail: `slice [${b}, ${b + s}) does not fit dimension ${i} of size ${d}`, actual: [...shape] });
    }
    return s;
  });
}

/** Output shape of concatenating `shapes` along `axis` (normalised). */
export function concatShape(op: string, shapes: readonly Shape[], axis: number): number[] {
  if (shapes.length === 0) throw new ArgumentError(op, 'needs at least one tensor');
  const first = shapes[0]!;
  const out = [...first];
  for (let t = 1; t < shapes.length; t++) {
    const s = shapes[t]!;
    if (s.length !== first.length || s.some((d, i) => i !== axis && d !== first[i])) {
      throw new ShapeError({ op, detail: `all dimensions except axis ${axis} must match`, actual: shapes.map((x) => [...x]) });
    }
    out[axis]! += s[axis]!;
  }
  return out;
}

/** Output shape of `gather(x, indices, axis)`: x.shape[:axis] + indices.shape + x.shape[axis+1:]. */
export function gatherShape(xShape: Shape, indicesShape: Shape, axis: number): number[] {
  return [...xShape.slice(0, axis), ...indicesShape, ...xShape.slice(axis + 1)];
}

/** Resolves one -1 in a reshape target. */
export function inferReshape(op: string, from: Shape, to: readonly number[]): number[] {
  const total = sizeOf(from);
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1 || to.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ShapeError({ op, detail: 'target may hold at most one -1 and otherwise non-negative integers', actual: [...to] });
  }
  const known = to.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = to.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
  if (sizeOf(out) !== total || out.some((d) => !Number.isInteger(d))) {
    throw new ShapeError({ op, detail: `cannot reshape ${total} elements`, expected: [...from], actual: [...to] });
  }
  return out;
}
