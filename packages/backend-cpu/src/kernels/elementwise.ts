import type { BinaryOpName, CompareOpName, Shape, TensorData, UnaryOpName } from '@cellstate/tensor';
import { StridedCursor, broadcastStrides, coalesce } from '@cellstate/tensor/backend-kit';

/**
 * Elementwise kernels: unary ops, broadcasting binary and compare ops, and `where`.
 *
 * Shapes: x [...] -> out [...]; a [...A], b [...B] -> out [bcast(A, B)]. The output
 * array is allocated by the caller (same dtype as the inputs for arithmetic, float32
 * for compares) and is written in full.
 *
 * Binary ops dispatch once per row, never per element: a row is a run of the
 * innermost (coalesced) output dimension, read from each input with a constant
 * stride (1, or 0 when the input is broadcast along it). Equal shapes and scalar
 * operands are single rows (the fast paths); everything else walks the outer
 * dimensions with an odometer (`binaryGeneral`).
 */

export type BinaryKernelOp = BinaryOpName | CompareOpName;

// --- unary. x [...] -> out [...] (same size). int32 only for neg, abs, relu.

/** out[i] = op(x[i]). Stable sigmoid; relu and abs propagate NaN. */
export function unary(op: UnaryOpName, x: TensorData, out: TensorData): void {
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]!; return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!); return;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!); return;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!); return;
    // Math.tanh saturates to +-1 for large |x| (no overflow).
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!); return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v >= 0) {
          out[i] = 1 / (1 + Math.exp(-v));
        } else {
          // e^v cannot overflow for v < 0; NaN lands here and stays NaN.
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
      return;
    // Math.max keeps NaN (relu(NaN) = NaN) and is exact for int32.
    case 'relu': for (let i = 0; i < n; i++) out[i] = Math.max(x[i]!, 0); return;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]!); return;
  }
}

// --- binary rows

/**
 * out[o + j] = op(a[ai + j*sa], b[bi + j*sb]) for j < n. int32 arithmetic wraps
 * (mul via Math.imul, add/sub through the Int32Array store); compares write 1 or 0
 * (NaN compares false); maximum propagates NaN.
 */
function binaryRow(
  op: BinaryKernelOp,
  a: TensorData, ai: number, sa: number,
  b: TensorData, bi: number, sb: number,
  out: TensorData, o: number, n: number,
): void {
  const end = o + n;
  switch (op) {
    case 'add': for (; o < end; o++, ai += sa, bi += sb) out[o] = a[ai]! + b[bi]!; return;
    case 'sub': for (; o < end; o++, ai += sa, bi += sb) out[o] = a[ai]! - b[bi]!; return;
    case 'mul':
      if (a instanceof Int32Array) for (; o < end; o++, ai += sa, bi += sb) out[o] = Math.imul(a[ai]!, b[bi]!);
      else for (; o < end; o++, ai += sa, bi += sb) out[o] = a[ai]! * b[bi]!;
      return;
    case 'div': for (; o < end; o++, ai += sa, bi += sb) out[o] = a[ai]! / b[bi]!; return;
    case 'maximum': for (; o < end; o++, ai += sa, bi += sb) out[o] = Math.max(a[ai]!, b[bi]!); return;
    case 'greater': for (; o < end; o++, ai += sa, bi += sb) out[o] = a[ai]! > b[bi]! ? 1 : 0; return;
    case 'equal': for (; o < end; o++, ai += sa, bi += sb) out[o] = a[ai]! === b[bi]! ? 1 : 0; return;
  }
}

/**
 * a [...A], b [...B] -> out [outShape = bcast(A, B)]. Picks a fast path when the
 * shapes are equal or one operand holds a single element, otherwise `binaryGeneral`.
 */
export function binary(
  op: BinaryKernelOp, a: TensorData, aShape: Shape, b: TensorData, bShape: Shape, out: TensorData, outShape: Shape,
): void {
  const size = out.length;
  if (size === 0) return;
  if (a.length === size && b.length === size) {
    // Equal sizes with a valid broadcast means the shapes agree up to leading 1s.
    binaryRow(op, a, 0, 1, b, 0, 1, out, 0, size);
  } else if (b.length === 1 && a.length === size) {
    binaryRow(op, a, 0, 1, b, 0, 0, out, 0, size);
  } else if (a.length === 1 && b.length === size) {
    binaryRow(op, a, 0, 0, b, 0, 1, out, 0, size);
  } else {
    binaryGeneral(op, a, aShape, b, bShape, out, outShape);
  }
}

/** The general broadcasting path (any shapes); also the oracle for the fast paths in tests. */
export function binaryGeneral(
  op: BinaryKernelOp, a: TensorData, aShape: Shape, b: TensorData, bShape: Shape, out: TensorData, outShape: Shape,
): void {
  const size = out.length;
  if (size === 0) return;
  const merged = coalesce(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
  const dims = merged.shape;
  const [as, bs] = merged.strides as [number[], number[]];
  const rank = dims.length;
  if (rank === 0) {
    binaryRow(op, a, 0, 0, b, 0, 0, out, 0, 1);
    return;
  }
  const n = dims[rank - 1]!;
  const sa = as[rank - 1]!;
  const sb = bs[rank - 1]!;
  const rows = size / n;
  const cursor = new StridedCursor(dims, [as, bs], rank - 1);
  const offsets = cursor.offsets;
  for (let row = 0, o = 0; row < rows; row++, o += n, cursor.next()) {
    binaryRow(op, a, offsets[0]!, sa, b, offsets[1]!, sb, out, o, n);
  }
}

// --- where. condition [...C], a [...A], b [...B] -> out [bcast(C, A, B)], dtype of a.

/**
 * out = condition !== 0 ? a : b, all three broadcast. A NaN condition counts as
 * true (NaN !== 0), matching a C/WGSL `c != 0.0` test.
 */
export function where(
  condition: TensorData, cShape: Shape, a: TensorData, aShape: Shape, b: TensorData, bShape: Shape,
  out: TensorData, outShape: Shape,
): void {
  const size = out.length;
  if (size === 0) return;
  const merged = coalesce(outShape, [
    broadcastStrides(cShape, outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ]);
  const dims = merged.shape;
  const [cs, as, bs] = merged.strides as [number[], number[], number[]];
  const rank = dims.length;
  const n = rank === 0 ? 1 : dims[rank - 1]!;
  const sc = rank === 0 ? 0 : cs[rank - 1]!;
  const sa = rank === 0 ? 0 : as[rank - 1]!;
  const sb = rank === 0 ? 0 : bs[rank - 1]!;
  const rows = size / n;
  const cursor = new StridedCursor(dims, [cs, as, bs], rank - 1);
  const offsets = cursor.offsets;
  for (let row = 0, o = 0; row < rows; row++, cursor.next()) {
    const ci = offsets[0]!;
    const ai = offsets[1]!;
    const bi = offsets[2]!;
    const takeA = condition[ci] !== 0;
    const src = takeA ? a : b;
    const si = takeA ? ai : bi;
    const ss = takeA ? sa : sb;
    if (sc === 0 && (ss === 1 || ss === 0)) {
      // One condition for the whole row (a mask broadcast over features, e.g. padding
      // by sequence length or an embedding's padding id): the row is a copy of the
      // picked operand's row, or a fill with its one value.
      if (ss === 1) out.set(src.subarray(si, si + n), o);
      else out.fill(src[si]!, o, o + n);
      o += n;
    } else {
      for (let j = 0, c = ci, x = ai, y = bi; j < n; j++, o++, c += sc, x += sa, y += sb) {
        out[o] = condition[c] !== 0 ? a[x]! : b[y]!;
      }
    }
  }
}
