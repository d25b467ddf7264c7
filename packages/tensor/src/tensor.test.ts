import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useReferenceBackend } from './test-setup.js';
import { readMany, Tensor } from './tensor.js';
import { tensor, scalar, zeros, arange } from './ops/creation.js';
import { add, matmul, reshape, gather, sum, cast, softmax, mean, minimum, argmax, where, less, square } from './index.js';
import { BackendMismatchError, DTypeError, ShapeError, UnsupportedOpError } from './errors.js';
import { registerBackend, removeBackend, setBackend, initBackend } from './registry.js';
import { createReferenceBackend } from './testing/reference-backend.js';

describe('Tensor and op layer', () => {
  beforeAll(async () => {
    await useReferenceBackend();
    const other = () => {
      const b = createReferenceBackend();
      Object.defineProperty(b, 'name', { value: 'other' });
      Object.defineProperty(b, 'capabilities', { value: { ...b.capabilities, syncRead: false } });
      return b;
    };
    registerBackend('other', other, { priority: -5, autoSelect: false });
  });
  afterAll(() => removeBackend('other'));

  it('creates tensors from nested arrays, typed arrays and scalars', async () => {
    const a = tensor([[1, 2], [3, 4]]);
    expect(a.shape).toEqual([2, 2]);
    expect(a.dtype).toBe('float32');
    expect(await a.array()).toEqual([[1, 2], [3, 4]]);
    const b = tensor(new Int32Array([5, 6]));
    expect(b.dtype).toBe('int32');
    expect(await scalar(3).item()).toBe(3);
    expect(Array.from(await arange(0, 5, 2).data())).toEqual([0, 2, 4]);
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/tensor: 3 values do not fill the shape; expected 4; got \[2, 2\]/);
  });

  it('readMany returns the same values as single reads', async () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([4], [1], { dtype: 'int32' });
    const [x, y] = await readMany([a, b]);
    expect(Array.from(x!)).toEqual(Array.from(await a.data()));
    expect(y).toBeInstanceOf(Int32Array);
  });

  it('typed errors name the op, the expectation and what came', () => {
    const a = tensor([[1, 2, 3]]);
    const b = tensor([[1, 2]]);
    expect(() => matmul(a, b)).toThrow(ShapeError);
    expect(() => matmul(a, b)).toThrow(/^matmul: inner dimensions differ/);
    expect(() => add(a, b)).toThrow(/add: shapes cannot be broadcast together; got \[1, 3\] and \[1, 2\]/);
    const ids = tensor([0], [1], { dtype: 'int32' });
    expect(() => add(a, ids)).toThrow(DTypeError);
    expect(() => add(a, ids)).toThrow(/add: operands must share a dtype/);
    expect(() => gather(a, tensor([0]))).toThrow(/gather: indices has the wrong dtype; expected int32; got float32/);
    expect(() => sum(a, 2)).toThrow(/sum: axis 2 is out of range/);
    expect(() => reshape(a, [2, 2])).toThrow(/reshape: cannot reshape 3 elements/);
  });

  it('mixing backends throws; moving is explicit', async () => {
    const a = tensor([1, 2]);
    const other = await initBackend('other');
    const b = tensor([1, 2], [2], { backend: other });
    expect(() => add(a, b)).toThrow(BackendMismatchError);
    expect(() => add(a, b)).toThrow(/add: tensors live on different backends \(reference, other\)/);
    const moved = await b.to('reference');
    expect(Array.from(await add(a, moved).data())).toEqual([2, 4]);
    expect(() => b.dataSync()).toThrow(UnsupportedOpError);
    expect(() => b.dataSync()).toThrow(/use await tensor.data\(\)/);
    await setBackend('reference');
  });

  it('composed ops give the textbook values', async () => {
    const s = await softmax(tensor([[1, 2, 3]])).data();
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const z = e[0]! + e[1]! + e[2]!;
    e.forEach((v, i) => expect(s[i]).toBeCloseTo(v / z, 6));
    expect(await mean(tensor([1, 2, 3, 6])).item()).toBe(3);
    expect(Array.from(await minimum(tensor([1, 5]), 3).data())).toEqual([1, 3]);
    expect(Array.from(await argmax(tensor([[1, 9, 3], [7, 2, 7]]), 1).data())).toEqual([1, 0]);
    expect(Array.from(await where(less(tensor([1, 3]), 2), tensor([1, 2]), 9).data())).toEqual([1, 9]);
    expect(Array.from(await cast(tensor([1.7, -1.7]), 'int32').data())).toEqual([1, -1]);
    expect(Array.from(await square(tensor([3])).data())).toEqual([9]);
    expect(Array.from(await zeros([2]).data())).toEqual([0, 0]);
  });

  it('toString and describe say what the tensor is', () => {
    const a = tensor([1, 2]);
    expect(String(a)).toBe("Tensor(float32[2] on 'reference')");
    a.dispose();
    expect(String(a)).toContain('disposed');
    expect(a).toBeInstanceOf(Tensor);
  });
});
