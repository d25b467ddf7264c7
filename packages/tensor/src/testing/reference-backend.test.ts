import { beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_CONTRACT_VERSION } from '../backend/backend.js';
import type { Handle } from '../backend/handle.js';
import type { DType } from '../dtype.js';
import { DisposedTensorError } from '../errors.js';
import { uniformAt } from '../random-bits.js';
import type { Shape } from '../shape.js';
import { createReferenceBackend, type ReferenceBackend } from './reference-backend.js';

// Every expected number below was worked out by hand from the op's documented meaning.

let be: ReferenceBackend;

beforeEach(() => {
  be = createReferenceBackend();
});

const f32 = (values: number[], shape: Shape): Handle => be.upload(values, shape, 'float32');
const i32 = (values: number[], shape: Shape): Handle => be.upload(values, shape, 'int32');

/** Shape, dtype and exact float64 values of a handle. */
function look(h: Handle): { shape: number[]; dtype: DType; values: number[] } {
  return { shape: [...h.shape], dtype: h.dtype, values: Array.from(be.readFloat64(h)) };
}

const NaN_ = Number.NaN;
const Inf = Number.POSITIVE_INFINITY;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

describe('identity', () => {
  it('declares its name, contract version and capabilities', () => {
    expect(be.name).toBe('reference');
    expect(be.contractVersion).toBe(BACKEND_CONTRACT_VERSION);
    expect(be.contractVersion).toBe(1);
    expect(be.capabilities).toEqual({
      syncRead: true,
      dtypes: ['float32', 'int32'],
      fused: { lstmSequence: false, lstmSequenceBackward: false, lstmSequenceEmbedded: false, gruSequence: false, gruSequenceBackward: false, softmaxCrossEntropy: false, adamStep: false, sumOfSquares: false, logSoftmax: false, addInto: false },
      maxBufferBytes: Number.MAX_SAFE_INTEGER,
      isSoftware: true,
    });
  });
});

describe('upload, fill and reads', () => {
  it('keeps float32 values in full float64 precision and rounds only on read', async () => {
    const h = f32([0.1, 1 / 3], [2]);
    expect(look(h)).toEqual({ shape: [2], dtype: 'float32', values: [0.1, 1 / 3] });
    const read = await be.read(h);
    expect(read).toBeInstanceOf(Float32Array);
    expect(Array.from(read)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    expect(be.readSync(h)).toEqual(read);
  });

  it('truncates int32 uploads toward zero, maps NaN to 0 and clamps', async () => {
    const h = i32([1.9, -1.9, NaN_, 3e9, -3e9, Inf, -Inf, -0.5], [8]);
    expect(look(h).values).toEqual([1, -1, 0, INT_MAX, INT_MIN, INT_MAX, INT_MIN, 0]);
    const read = await be.read(h);
    expect(read).toBeInstanceOf(Int32Array);
    expect(Array.from(read)).toEqual([1, -1, 0, INT_MAX, INT_MIN, INT_MAX, INT_MIN, 0]);
  });

  it('fills float32 exactly and int32 truncated', () => {
    expect(look(be.fill([2, 2], 'float32', 0.1))).toEqual({ shape: [2, 2], dtype: 'float32', values: [0.1, 0.1, 0.1, 0.1] });
    expect(look(be.fill([3], 'int32', -2.5))).toEqual({ shape: [3], dtype: 'int32', values: [-2, -2, -2] });
    expect(look(be.fill([], 'float32', 7))).toEqual({ shape: [], dtype: 'float32', values: [7] });
    expect(look(be.fill([2, 0], 'float32', 7))).toEqual({ shape: [2, 0], dtype: 'float32', values: [] });
  });

  it('readMany equals the individual reads', async () => {
    const a = f32([1.5, 2.5], [2]);
    const b = i32([3, 4, 5], [3]);
    const [ra, rb] = await be.readMany([a, b]);
    expect(ra).toEqual(be.readSync(a));
    expect(rb).toEqual(be.readSync(b));
    expect(rb).toBeInstanceOf(Int32Array);
  });

  it('readFloat64 returns a copy', () => {
    const h = f32([1, 2], [2]);
    const copy = be.readFloat64(h);
    copy[0] = 99;
    expect(look(h).values).toEqual([1, 2]);
  });

  it('does not alias the caller values or shape', () => {
    const values = [1, 2];
    const shape = [2];
    const h = f32(values, shape);
    values[0] = 50;
    shape[0] = 5;
    expect(look(h)).toEqual({ shape: [2], dtype: 'float32', values: [1, 2] });
  });
});

describe('memory and lifetime', () => {
  it('counts live storages at 4 bytes per element and returns to zero', () => {
    expect(be.memory()).toEqual({ handles: 0, bytesInUse: 0, bytesPooled: 0, bytesAllocated: 0 });
    const a = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = be.fill([4], 'int32', 1);
    expect(be.memory()).toEqual({ handles: 2, bytesInUse: 40, bytesPooled: 0, bytesAllocated: 40 });
    const c = be.add(a, a);
    expect(be.memory().handles).toBe(3);
    expect(be.memory().bytesInUse).toBe(64);
    be.release(a);
    be.release(b);
    be.release(c);
    expect(be.memory()).toEqual({ handles: 0, bytesInUse: 0, bytesPooled: 0, bytesAllocated: 0 });
  });

  it('frees storage only when the last reference goes', () => {
    const a = f32([1, 2], [2]);
    be.retain(a);
    be.release(a);
    expect(be.memory().handles).toBe(1);
    expect(look(a).values).toEqual([1, 2]);
    be.release(a);
    expect(be.memory().handles).toBe(0);
  });

  it('throws DisposedTensorError when releasing twice, or using freed storage', () => {
    const a = f32([1, 2], [2]);
    be.release(a);
    expect(() => be.release(a)).toThrow(DisposedTensorError);
    expect(() => be.retain(a)).toThrow(DisposedTensorError);
    expect(() => be.neg(a)).toThrow(DisposedTensorError);
    expect(() => be.readSync(a)).toThrow(DisposedTensorError);
    expect(() => be.release({ id: 12345, shape: [], dtype: 'float32' })).toThrow(DisposedTensorError);
  });

  it('rejects the read promise of freed storage', async () => {
    const a = f32([1], [1]);
    be.release(a);
    await expect(be.read(a)).rejects.toThrow(DisposedTensorError);
  });

  it('reads a reshape view (same id, another shape) with the view shape', () => {
    const a = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    be.retain(a);
    const view: Handle = { id: a.id, shape: [3, 2], dtype: 'float32' };
    // sum over axis 1 of [[1,2],[3,4],[5,6]] = [3, 7, 11]
    const s = be.sum(view, [1], false);
    expect(look(s)).toEqual({ shape: [3], dtype: 'float32', values: [3, 7, 11] });
    expect(be.memory().handles).toBe(2);
    be.release(view);
    be.release(s);
    expect(be.memory().handles).toBe(1);
    be.release(a);
    expect(be.memory().handles).toBe(0);
  });

  it('flush is a no-op, sync resolves, dispose clears everything', async () => {
    f32([1, 2], [2]);
    be.flush();
    await expect(be.sync()).resolves.toBeUndefined();
    be.dispose();
    expect(be.memory()).toEqual({ handles: 0, bytesInUse: 0, bytesPooled: 0, bytesAllocated: 0 });
  });
});

describe('unary', () => {
  it('neg, abs, relu on float32 including -0, Inf and NaN', () => {
    const x = f32([-2, 0, 3, -Inf, NaN_], [5]);
    expect(look(be.neg(x)).values).toEqual([2, -0, -3, Inf, NaN_]);
    expect(look(be.abs(x)).values).toEqual([2, 0, 3, Inf, NaN_]);
    expect(look(be.relu(x)).values).toEqual([0, 0, 3, 0, NaN_]);
  });

  it('exp, log, sqrt at exact points and out of domain', () => {
    expect(look(be.exp(f32([0, -Inf, Inf, 710, NaN_], [5]))).values).toEqual([1, 0, Inf, Inf, NaN_]);
    expect(look(be.log(f32([1, 0, -1, Inf], [4]))).values).toEqual([0, -Inf, NaN_, Inf]);
    expect(look(be.sqrt(f32([4, 0, -1, 2.25, Inf], [5]))).values).toEqual([2, 0, NaN_, 1.5, Inf]);
    // e and ln 2 to 15 digits
    expect(look(be.exp(f32([1], [1]))).values[0]).toBeCloseTo(2.718281828459045, 14);
    expect(look(be.log(f32([2], [1]))).values[0]).toBeCloseTo(0.6931471805599453, 14);
  });

  it('tanh stays finite for large |x|', () => {
    const v = look(be.tanh(f32([0, 1000, -1000, Inf, -Inf, NaN_], [6]))).values;
    expect(v).toEqual([0, 1, -1, 1, -1, NaN_]);
    // tanh(0.5) = (e - 1) / (e + 1) with e = e^1 = 0.46211715726...
    expect(look(be.tanh(f32([0.5], [1]))).values[0]).toBeCloseTo(0.46211715726000974, 14);
  });

  it('sigmoid is stable for large |x|', () => {
    const v = look(be.sigmoid(f32([0, 1000, -1000, -800, Inf, -Inf, NaN_], [7]))).values;
    expect(v).toEqual([0.5, 1, 0, 0, 1, 0, NaN_]);
    // sigmoid(2) = 1 / (1 + e^-2) = 0.88079707797788...; sigmoid(-2) = 1 - sigmoid(2)
    const s = look(be.sigmoid(f32([2, -2], [2]))).values;
    expect(s[0]).toBeCloseTo(0.8807970779778823, 14);
    expect(s[1]).toBeCloseTo(0.11920292202211755, 14);
  });

  it('keeps float64 precision for "float32" tensors', () => {
    // 1 + 2^-30 is a float64 but not a float32 (float32 would round it to 1)
    const x = f32([1 + 2 ** -30], [1]);
    expect(look(be.sub(x, f32([1], [1]))).values).toEqual([2 ** -30]);
    expect(Array.from(be.readSync(x))).toEqual([1]);
  });

  it('neg, abs, relu on int32 wrap like int32', () => {
    const x = i32([INT_MIN, -5, 0, 7, INT_MAX], [5]);
    expect(look(be.neg(x))).toEqual({ shape: [5], dtype: 'int32', values: [INT_MIN, 5, 0, -7, -INT_MAX] });
    expect(look(be.abs(x)).values).toEqual([INT_MIN, 5, 0, 7, INT_MAX]);
    expect(look(be.relu(x)).values).toEqual([0, 0, 0, 7, INT_MAX]);
  });

  it('works on scalars and empty tensors', () => {
    expect(look(be.exp(f32([0], [])))).toEqual({ shape: [], dtype: 'float32', values: [1] });
    expect(look(be.sigmoid(f32([], [2, 0])))).toEqual({ shape: [2, 0], dtype: 'float32', values: [] });
  });
});

describe('binary with broadcasting', () => {
  it('broadcasts [2,1] with [3]', () => {
    const a = f32([1, 2], [2, 1]);
    const b = f32([10, 20, 30], [3]);
    expect(look(be.add(a, b))).toEqual({ shape: [2, 3], dtype: 'float32', values: [11, 21, 31, 12, 22, 32] });
    expect(look(be.sub(a, b)).values).toEqual([-9, -19, -29, -8, -18, -28]);
    expect(look(be.mul(a, b)).values).toEqual([10, 20, 30, 20, 40, 60]);
    expect(look(be.div(b, a)).values).toEqual([10, 20, 30, 5, 10, 15]);
  });

  it('broadcasts rank 3 [2,1,2] with [3,1]', () => {
    const a = f32([1, 2, 3, 4], [2, 1, 2]);
    const b = f32([10, 20, 30], [3, 1]);
    expect(look(be.add(a, b))).toEqual({
      shape: [2, 3, 2],
      dtype: 'float32',
      values: [11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34],
    });
  });

  it('broadcasts scalars', () => {
    expect(look(be.add(f32([5], []), f32([1, 2], [2])))).toEqual({ shape: [2], dtype: 'float32', values: [6, 7] });
    expect(look(be.mul(f32([3], []), f32([4], [])))).toEqual({ shape: [], dtype: 'float32', values: [12] });
  });

  it('broadcasts empty dimensions', () => {
    expect(look(be.add(f32([], [0, 3]), f32([1, 2, 3], [1, 3])))).toEqual({ shape: [0, 3], dtype: 'float32', values: [] });
    expect(look(be.mul(f32([], [2, 0]), f32([2], [])))).toEqual({ shape: [2, 0], dtype: 'float32', values: [] });
  });

  it('follows IEEE for division by zero and infinities', () => {
    expect(look(be.div(f32([1, -1, 0, 6], [4]), f32([0, 0, 0, -3], [4]))).values).toEqual([Inf, -Inf, NaN_, -2]);
    expect(look(be.add(f32([Inf, Inf, NaN_], [3]), f32([-Inf, 1, 1], [3]))).values).toEqual([NaN_, Inf, NaN_]);
    expect(look(be.mul(f32([Inf], [1]), f32([0], [1]))).values).toEqual([NaN_]);
  });

  it('maximum propagates NaN from either side', () => {
    const a = f32([NaN_, 1, -Inf, 2, 5], [5]);
    const b = f32([1, NaN_, 3, 3, -1], [5]);
    expect(look(be.maximum(a, b)).values).toEqual([NaN_, NaN_, 3, 3, 5]);
  });

  it('int32 add, sub, mul and maximum wrap like int32', () => {
    expect(look(be.add(i32([INT_MAX, -3], [2]), i32([1, 5], [2])))).toEqual({ shape: [2], dtype: 'int32', values: [INT_MIN, 2] });
    expect(look(be.sub(i32([INT_MIN, 2], [2]), i32([1, 5], [2]))).values).toEqual([INT_MAX, -3]);
    // 65536 * 65536 = 2^32 -> 0; INT_MAX * 2 = 2^32 - 2 -> -2; -7 * 6 = -42
    expect(look(be.mul(i32([65536, INT_MAX, -7], [3]), i32([65536, 2, 6], [3]))).values).toEqual([0, -2, -42]);
    expect(look(be.maximum(i32([INT_MIN, 4], [2]), i32([-1, 3], [2]))).values).toEqual([-1, 4]);
  });
});

describe('compare and select', () => {
  it('greater gives float32 1/0 and NaN compares false', () => {
    const r = be.greater(f32([1, 2, NaN_, 3, Inf], [5]), f32([2, 1, 1, NaN_, 1e300], [5]));
    expect(look(r)).toEqual({ shape: [5], dtype: 'float32', values: [0, 1, 0, 0, 1] });
  });

  it('equal: NaN is never equal, -0 equals 0; int32 in gives float32 out', () => {
    expect(look(be.equal(f32([1, NaN_, 0, 2], [4]), f32([1, NaN_, -0, 3], [4]))).values).toEqual([1, 0, 1, 0]);
    expect(look(be.equal(i32([4, 5], [2]), i32([4], [])))).toEqual({ shape: [2], dtype: 'float32', values: [1, 0] });
  });

  it('greater broadcasts', () => {
    expect(look(be.greater(f32([1, 5], [2, 1]), f32([0, 3, 6], [3])))).toEqual({
      shape: [2, 3],
      dtype: 'float32',
      values: [1, 0, 0, 1, 1, 0],
    });
  });

  it('where uses condition != 0 (NaN counts as true)', () => {
    const c = f32([1, 0, NaN_, -0, -2], [5]);
    const r = be.where(c, f32([1, 2, 3, 4, 5], [5]), f32([10, 20, 30, 40, 50], [5]));
    expect(look(r).values).toEqual([1, 20, 3, 40, 5]);
  });

  it('where broadcasts all three and keeps the dtype of a and b', () => {
    const r = be.where(f32([1, 0], [2, 1]), i32([7], []), i32([1, 2, 3], [3]));
    expect(look(r)).toEqual({ shape: [2, 3], dtype: 'int32', values: [7, 7, 7, 1, 2, 3] });
  });
});

describe('reductions', () => {
  // x = [[1, 2, 3], [4, 5, 6]]
  const x = (): Handle => f32([1, 2, 3, 4, 5, 6], [2, 3]);

  it('sum over each axis, both axes, and no axis', () => {
    expect(look(be.sum(x(), [0], false))).toEqual({ shape: [3], dtype: 'float32', values: [5, 7, 9] });
    expect(look(be.sum(x(), [1], false))).toEqual({ shape: [2], dtype: 'float32', values: [6, 15] });
    expect(look(be.sum(x(), [0, 1], false))).toEqual({ shape: [], dtype: 'float32', values: [21] });
    expect(look(be.sum(x(), [1], true))).toEqual({ shape: [2, 1], dtype: 'float32', values: [6, 15] });
    expect(look(be.sum(x(), [0, 1], true))).toEqual({ shape: [1, 1], dtype: 'float32', values: [21] });
    expect(look(be.sum(x(), [], false))).toEqual({ shape: [2, 3], dtype: 'float32', values: [1, 2, 3, 4, 5, 6] });
  });

  it('sum over non-adjacent axes of a rank-3 tensor', () => {
    // x[i][j][k] = 4i + 2j + k; sum over i, k: j=0 -> 0+1+4+5 = 10, j=1 -> 2+3+6+7 = 18
    const t = f32([0, 1, 2, 3, 4, 5, 6, 7], [2, 2, 2]);
    expect(look(be.sum(t, [0, 2], false))).toEqual({ shape: [2], dtype: 'float32', values: [10, 18] });
    expect(look(be.sum(t, [0, 2], true))).toEqual({ shape: [1, 2, 1], dtype: 'float32', values: [10, 18] });
  });

  it('sum of scalars, empty reductions, NaN and int32 wrap', () => {
    expect(look(be.sum(f32([4], []), [], false))).toEqual({ shape: [], dtype: 'float32', values: [4] });
    expect(look(be.sum(f32([], [0, 3]), [0], false))).toEqual({ shape: [3], dtype: 'float32', values: [0, 0, 0] });
    expect(look(be.sum(f32([], [0, 3]), [1], false))).toEqual({ shape: [0], dtype: 'float32', values: [] });
    expect(look(be.sum(f32([1, NaN_, 2], [3]), [0], false)).values).toEqual([NaN_]);
    expect(look(be.sum(f32([Inf, -Inf], [2]), [0], false)).values).toEqual([NaN_]);
    expect(look(be.sum(i32([INT_MAX, 1, 5], [3]), [0], false))).toEqual({ shape: [], dtype: 'int32', values: [INT_MIN + 5] });
  });

  it('max over axes with keepDims', () => {
    const t = f32([1, 5, 3, 4, 2, 6], [2, 3]);
    expect(look(be.max(t, [1], false))).toEqual({ shape: [2], dtype: 'float32', values: [5, 6] });
    expect(look(be.max(t, [0], true))).toEqual({ shape: [1, 3], dtype: 'float32', values: [4, 5, 6] });
    expect(look(be.max(t, [0, 1], false))).toEqual({ shape: [], dtype: 'float32', values: [6] });
  });

  it('max is NaN when any element is NaN, wherever it sits', () => {
    expect(look(be.max(f32([NaN_, 1, 3], [3]), [0], false)).values).toEqual([NaN_]);
    expect(look(be.max(f32([1, NaN_, 3], [3]), [0], false)).values).toEqual([NaN_]);
    expect(look(be.max(f32([1, 3, NaN_], [3]), [0], false)).values).toEqual([NaN_]);
    expect(look(be.max(f32([-Inf, -Inf], [2]), [0], false)).values).toEqual([-Inf]);
  });

  it('max of an empty reduction is -Infinity (float32) or INT32_MIN (int32)', () => {
    expect(look(be.max(f32([], [0]), [0], false))).toEqual({ shape: [], dtype: 'float32', values: [-Inf] });
    expect(look(be.max(f32([], [2, 0]), [1], true))).toEqual({ shape: [2, 1], dtype: 'float32', values: [-Inf, -Inf] });
    expect(look(be.max(i32([], [0]), [0], false))).toEqual({ shape: [], dtype: 'int32', values: [INT_MIN] });
    expect(look(be.max(i32([-3, 8, 2], [3]), [0], false))).toEqual({ shape: [], dtype: 'int32', values: [8] });
  });

  it('argmax returns the first maximum as int32', () => {
    const t = f32([1, 9, 3, 7, 2, 7], [2, 3]);
    expect(look(be.argmax(t, 1, false))).toEqual({ shape: [2], dtype: 'int32', values: [1, 0] });
    expect(look(be.argmax(t, 0, false))).toEqual({ shape: [3], dtype: 'int32', values: [1, 0, 1] });
    expect(look(be.argmax(t, 1, true))).toEqual({ shape: [2, 1], dtype: 'int32', values: [1, 0] });
    expect(look(be.argmax(f32([-Inf, -Inf], [2]), 0, false)).values).toEqual([0]);
    expect(look(be.argmax(i32([-4, 6, 6], [3]), 0, false))).toEqual({ shape: [], dtype: 'int32', values: [1] });
  });

  it('argmax counts the first NaN as the maximum', () => {
    expect(look(be.argmax(f32([1, NaN_, 5, NaN_], [4]), 0, false)).values).toEqual([1]);
    expect(look(be.argmax(f32([Inf, 2, NaN_], [3]), 0, false)).values).toEqual([2]);
  });

  it('argmax over the middle axis of a rank-3 tensor and over empty other dims', () => {
    // t[i][j][k]: i=0 -> [[1,8],[5,2]], i=1 -> [[0,0],[3,-1]]; along j: [1,0], [1,0]
    const t = f32([1, 8, 5, 2, 0, 0, 3, -1], [2, 2, 2]);
    expect(look(be.argmax(t, 1, false))).toEqual({ shape: [2, 2], dtype: 'int32', values: [1, 0, 1, 0] });
    expect(look(be.argmax(f32([], [0, 3]), 1, false))).toEqual({ shape: [0], dtype: 'int32', values: [] });
  });
});

describe('matmul', () => {
  // a = [[1,2,3],[4,5,6]], b = [[7,8],[9,10],[11,12]] -> [[58,64],[139,154]]
  const product = [58, 64, 139, 154];

  it('multiplies plain matrices', () => {
    const r = be.matmul(f32([1, 2, 3, 4, 5, 6], [2, 3]), f32([7, 8, 9, 10, 11, 12], [3, 2]), false, false);
    expect(look(r)).toEqual({ shape: [2, 2], dtype: 'float32', values: product });
  });

  it('honours transposeA and transposeB', () => {
    const aT = f32([1, 4, 2, 5, 3, 6], [3, 2]);
    const bT = f32([7, 9, 11, 8, 10, 12], [2, 3]);
    const a = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = f32([7, 8, 9, 10, 11, 12], [3, 2]);
    expect(look(be.matmul(aT, b, true, false))).toEqual({ shape: [2, 2], dtype: 'float32', values: product });
    expect(look(be.matmul(a, bT, false, true))).toEqual({ shape: [2, 2], dtype: 'float32', values: product });
    expect(look(be.matmul(aT, bT, true, true))).toEqual({ shape: [2, 2], dtype: 'float32', values: product });
  });

  it('batches, with a batch on one side only', () => {
    // a [2,1,2] = [[1,2]], [[3,4]]; b [2,1] = [[5],[6]] -> [17], [39]
    const r = be.matmul(f32([1, 2, 3, 4], [2, 1, 2]), f32([5, 6], [2, 1]), false, false);
    expect(look(r)).toEqual({ shape: [2, 1, 1], dtype: 'float32', values: [17, 39] });
  });

  it('broadcasts batch dimensions of size 1', () => {
    // a [2,1,1,2]: a0 = [1,2], a1 = [3,4]; b [3,2,1]: b0 = [1,0], b1 = [0,1], b2 = [1,1]
    // out[i][j] = a_i . b_j: i=0 -> 1, 2, 3; i=1 -> 3, 4, 7
    const r = be.matmul(f32([1, 2, 3, 4], [2, 1, 1, 2]), f32([1, 0, 0, 1, 1, 1], [3, 2, 1]), false, false);
    expect(look(r)).toEqual({ shape: [2, 3, 1, 1], dtype: 'float32', values: [1, 2, 3, 3, 4, 7] });
  });

  it('batched with transposes: each batch uses its own matrices', () => {
    // a stored transposed: batch 0 [[1,0],[0,1]] -> a0 = I; batch 1 [[1,2],[0,1]] -> a1 = [[1,0],[2,1]]
    // b stored transposed: both [[1,3],[2,4]] -> b = [[1,2],[3,4]]
    // a0 b = [[1,2],[3,4]]; a1 b = [[1,2],[2+3, 4+4]] = [[1,2],[5,8]]
    const aT = f32([1, 0, 0, 1, 1, 2, 0, 1], [2, 2, 2]);
    const bT = f32([1, 3, 2, 4, 1, 3, 2, 4], [2, 2, 2]);
    expect(look(be.matmul(aT, bT, true, true))).toEqual({ shape: [2, 2, 2], dtype: 'float32', values: [1, 2, 3, 4, 1, 2, 5, 8] });
  });

  it('handles K = 0 (zeros) and M = 0 (empty)', () => {
    expect(look(be.matmul(f32([], [2, 0]), f32([], [0, 3]), false, false))).toEqual({ shape: [2, 3], dtype: 'float32', values: [0, 0, 0, 0, 0, 0] });
    expect(look(be.matmul(f32([], [0, 2]), f32([1, 2, 3, 4, 5, 6], [2, 3]), false, false))).toEqual({ shape: [0, 3], dtype: 'float32', values: [] });
  });

  it('propagates NaN and Inf', () => {
    // a = [[NaN,1],[Inf,1],[Inf,0]], b = [[0],[1]]:
    // NaN*0 + 1 = NaN, Inf*0 + 1 = NaN, Inf*0 + 0 = NaN
    const r = be.matmul(f32([NaN_, 1, Inf, 1, Inf, 0], [3, 2]), f32([0, 1], [2, 1]), false, false);
    expect(look(r).values).toEqual([NaN_, NaN_, NaN_]);
    // [Inf, 1] . [1, 1] = Inf
    const s = be.matmul(f32([Inf, 1], [1, 2]), f32([1, 1], [2, 1]), false, false);
    expect(look(s).values).toEqual([Inf]);
  });
});

describe('movement', () => {
  it('transpose 2-D and 3-D', () => {
    expect(look(be.transpose(f32([1, 2, 3, 4, 5, 6], [2, 3]), [1, 0]))).toEqual({ shape: [3, 2], dtype: 'float32', values: [1, 4, 2, 5, 3, 6] });
    // x [1,2,3] = 0..5, perm [2,0,1]: out[a][b][c] = x[b][c][a] -> [0,3,1,4,2,5]
    expect(look(be.transpose(f32([0, 1, 2, 3, 4, 5], [1, 2, 3]), [2, 0, 1]))).toEqual({ shape: [3, 1, 2], dtype: 'float32', values: [0, 3, 1, 4, 2, 5] });
    expect(look(be.transpose(f32([9], []), []))).toEqual({ shape: [], dtype: 'float32', values: [9] });
    expect(look(be.transpose(i32([], [0, 2]), [1, 0]))).toEqual({ shape: [2, 0], dtype: 'int32', values: [] });
  });

  it('slice', () => {
    const x = f32([0, 1, 2, 3, 4, 5, 6, 7, 8], [3, 3]);
    expect(look(be.slice(x, [1, 0], [2, 2]))).toEqual({ shape: [2, 2], dtype: 'float32', values: [3, 4, 6, 7] });
    expect(look(be.slice(x, [0, 2], [3, 1]))).toEqual({ shape: [3, 1], dtype: 'float32', values: [2, 5, 8] });
    expect(look(be.slice(x, [0, 1], [3, 0]))).toEqual({ shape: [3, 0], dtype: 'float32', values: [] });
    expect(look(be.slice(f32([5], []), [], []))).toEqual({ shape: [], dtype: 'float32', values: [5] });
  });

  it('concat along each axis, with empty parts', () => {
    const a = f32([1, 2], [2, 1]);
    const b = f32([3, 4, 5, 6], [2, 2]);
    expect(look(be.concat([a, b], 1))).toEqual({ shape: [2, 3], dtype: 'float32', values: [1, 3, 4, 2, 5, 6] });
    expect(look(be.concat([f32([], [0, 2]), f32([7, 8], [1, 2]), f32([9, 10], [1, 2])], 0))).toEqual({
      shape: [2, 2],
      dtype: 'float32',
      values: [7, 8, 9, 10],
    });
    expect(look(be.concat([i32([1], [1]), i32([], [0]), i32([2, 3], [2])], 0))).toEqual({ shape: [3], dtype: 'int32', values: [1, 2, 3] });
    expect(look(be.concat([f32([4], [1])], 0))).toEqual({ shape: [1], dtype: 'float32', values: [4] });
  });

  it('pad with a value, including empty and scalar inputs', () => {
    const x = f32([1, 2, 3, 4], [2, 2]);
    expect(look(be.pad(x, [[1, 0], [0, 1]], 9))).toEqual({ shape: [3, 3], dtype: 'float32', values: [9, 9, 9, 1, 2, 9, 3, 4, 9] });
    expect(look(be.pad(f32([], [0]), [[1, 2]], 5))).toEqual({ shape: [3], dtype: 'float32', values: [5, 5, 5] });
    expect(look(be.pad(f32([3], []), [], 0))).toEqual({ shape: [], dtype: 'float32', values: [3] });
    expect(look(be.pad(i32([1], [1]), [[0, 1]], 2.7))).toEqual({ shape: [2], dtype: 'int32', values: [1, 2] });
    expect(look(be.pad(f32([1], [1]), [[1, 0]], -Inf)).values).toEqual([-Inf, 1]);
  });

  it('cast float32 -> int32 truncates, maps NaN to 0 and clamps', () => {
    const r = be.cast(f32([1.7, -1.7, NaN_, 3e9, -3e9, -Inf, -0.5, 2147483647.9], [8]), 'int32');
    expect(look(r)).toEqual({ shape: [8], dtype: 'int32', values: [1, -1, 0, INT_MAX, INT_MIN, INT_MIN, 0, INT_MAX] });
  });

  it('cast int32 -> float32 is exact, float32 -> float32 keeps float64 precision', () => {
    expect(look(be.cast(i32([INT_MIN, 7, INT_MAX], [3]), 'float32'))).toEqual({ shape: [3], dtype: 'float32', values: [INT_MIN, 7, INT_MAX] });
    expect(look(be.cast(f32([0.1], []), 'float32'))).toEqual({ shape: [], dtype: 'float32', values: [0.1] });
    expect(look(be.cast(i32([], [0]), 'float32'))).toEqual({ shape: [0], dtype: 'float32', values: [] });
  });
});

describe('gather and scatterAdd', () => {
  it('gather along axis 0 with repeats', () => {
    const x = f32([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(look(be.gather(x, i32([2, 0, 2], [3]), 0))).toEqual({ shape: [3, 2], dtype: 'float32', values: [5, 6, 1, 2, 5, 6] });
  });

  it('gather reads 0 for out-of-range indices', () => {
    const x = f32([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(look(be.gather(x, i32([-1, 3, 1], [3]), 0)).values).toEqual([0, 0, 0, 0, 3, 4]);
  });

  it('gather along axis 1 with 2-D and scalar indices', () => {
    // x = [[1,2,3],[4,5,6]], idx = [[0,2],[1,1]] -> out[i][a][b] = x[i][idx[a][b]]
    const x = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(look(be.gather(x, i32([0, 2, 1, 1], [2, 2]), 1))).toEqual({ shape: [2, 2, 2], dtype: 'float32', values: [1, 3, 2, 2, 4, 6, 5, 5] });
    expect(look(be.gather(x, i32([1], []), 1))).toEqual({ shape: [2], dtype: 'float32', values: [2, 5] });
    expect(look(be.gather(x, i32([], [0]), 0))).toEqual({ shape: [0, 3], dtype: 'float32', values: [] });
    expect(look(be.gather(i32([7, 8, 9], [3]), i32([2, 2], [2]), 0))).toEqual({ shape: [2], dtype: 'int32', values: [9, 9] });
  });

  it('scatterAdd sums repeats and ignores out-of-range indices', () => {
    // x = [1,1,1,1]; +10 and +30 at 0, +20 at 2, 5 and -1 ignored
    const r = be.scatterAdd(f32([1, 1, 1, 1], [4]), i32([0, 2, 0, 5, -1], [5]), f32([10, 20, 30, 40, 50], [5]), 0);
    expect(look(r)).toEqual({ shape: [4], dtype: 'float32', values: [41, 1, 21, 1] });
  });

  it('scatterAdd along axis 1 and along axis 0 of rows', () => {
    // x zeros [2,3]; indices [2,2] along axis 1; updates [[1,2],[3,4]] -> col 2 gets 3 and 7
    const r = be.scatterAdd(be.fill([2, 3], 'float32', 0), i32([2, 2], [2]), f32([1, 2, 3, 4], [2, 2]), 1);
    expect(look(r)).toEqual({ shape: [2, 3], dtype: 'float32', values: [0, 0, 3, 0, 0, 7] });
    // embedding-style backward: rows of a [3,2] table, indices [[1,0],[1,1]] ([2,2]), updates [2,2,2]
    const e = be.scatterAdd(
      be.fill([3, 2], 'float32', 0),
      i32([1, 0, 1, 1], [2, 2]),
      f32([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]),
      0,
    );
    // row 1 gets [1,2] + [5,6] + [7,8] = [13,16]; row 0 gets [3,4]
    expect(look(e).values).toEqual([3, 4, 13, 16, 0, 0]);
  });

  it('scatterAdd leaves the input untouched, wraps int32 and accepts empty updates', () => {
    const x = i32([INT_MAX, 0], [2]);
    const r = be.scatterAdd(x, i32([0, 1], [2]), i32([1, -4], [2]), 0);
    expect(look(r)).toEqual({ shape: [2], dtype: 'int32', values: [INT_MIN, -4] });
    expect(look(x).values).toEqual([INT_MAX, 0]);
    expect(look(be.scatterAdd(f32([1, 2], [2]), i32([], [0]), f32([], [0]), 0)).values).toEqual([1, 2]);
  });
});

describe('random', () => {
  it('randomUniform follows the Threefry stream element by element', () => {
    const r = be.randomUniform([2, 3], 42);
    const v = look(r);
    expect(v.shape).toEqual([2, 3]);
    expect(v.dtype).toBe('float32');
    expect(v.values[0]).toBe(uniformAt(42, 0));
    v.values.forEach((u, i) => {
      expect(u).toBe(uniformAt(42, i));
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(Math.fround(u)).toBe(u);
    });
  });

  it('randomUniform element 0 under seed 0 is the known Threefry answer', () => {
    // threefry2x32_20(key 0, counter 0) word 0 = 0x6b200159; top 24 bits 0x6b2001 = 7020545
    expect(look(be.randomUniform([1], 0)).values).toEqual([7020545 / 16777216]);
  });

  it('uses the high seed bits as the second key word', () => {
    const seed = 2 ** 32 + 5;
    expect(look(be.randomUniform([2], seed)).values).toEqual([uniformAt(seed, 0), uniformAt(seed, 1)]);
    expect(look(be.randomUniform([1], seed)).values[0]).not.toBe(uniformAt(5, 0));
  });

  it('randomBernoulli is uniform < p on the same stream', () => {
    const seed = 7;
    const u = look(be.randomUniform([16], seed)).values;
    const b = look(be.randomBernoulli([16], 0.5, seed));
    expect(b.dtype).toBe('float32');
    expect(b.values).toEqual(u.map((x) => (x < 0.5 ? 1 : 0)));
    expect(look(be.randomBernoulli([4], 0, seed)).values).toEqual([0, 0, 0, 0]);
    expect(look(be.randomBernoulli([4], 1, seed)).values).toEqual([1, 1, 1, 1]);
  });

  it('works for scalars and empty shapes', () => {
    expect(look(be.randomUniform([], 3))).toEqual({ shape: [], dtype: 'float32', values: [uniformAt(3, 0)] });
    expect(look(be.randomBernoulli([0, 4], 0.5, 3))).toEqual({ shape: [0, 4], dtype: 'float32', values: [] });
  });
});
