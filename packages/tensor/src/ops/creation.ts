import type { Backend } from '../backend/backend.js';
import { isDType, type DType } from '../dtype.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { getBackend } from '../registry.js';
import { assertValidShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

export interface CreateOptions {
  dtype?: DType;
  /** Backend instance to create on; defaults to the active one. */
  backend?: Backend;
}

type Nested = number | readonly Nested[];

function inferShape(values: Nested): number[] {
  const shape: number[] = [];
  let v: Nested = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = (v as readonly Nested[])[0]!;
  }
  return shape;
}

function flatten(values: Nested, out: number[]): void {
  if (Array.isArray(values)) for (const v of values as readonly Nested[]) flatten(v, out);
  else out.push(values as number);
}

/**
 * Creates a tensor from values: a typed array or flat array with `shape`, or nested
 * arrays (shape inferred).
 *
 * @example
 * ```ts
 * const a = tensor([[1, 2], [3, 4]]);            // float32 [2, 2]
 * const ids = tensor([3, 1, 4], [3], { dtype: 'int32' });
 * ```
 */
export function tensor(values: Nested | ArrayLike<number>, shape?: Shape, options: CreateOptions = {}): Tensor {
  const backend = options.backend ?? getBackend();
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (ArrayBuffer.isView(values)) {
    flat = values as unknown as ArrayLike<number>;
    inferred = [flat.length];
  } else if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else {
    const arr: number[] = [];
    flatten(values as Nested, arr);
    flat = arr;
    inferred = inferShape(values as Nested);
    if (sizeOf(inferred) !== arr.length) throw new ShapeError({ op: 'tensor', detail: 'nested arrays are ragged', actual: inferred });
  }
  const finalShape = shape ? [...shape] : inferred;
  assertValidShape('tensor', finalShape);
  if (sizeOf(finalShape) !== flat.length) {
    throw new ShapeError({ op: 'tensor', detail: `${flat.length} values do not fill the shape`, expected: sizeOf(finalShape), actual: finalShape });
  }
  const dtype = options.dtype ?? (values instanceof Int32Array ? 'int32' : 'float32');
  if (!isDType(dtype)) throw new ArgumentError('tensor', `unknown dtype '${String(dtype)}'`);
  return new Tensor(backend, backend.upload(flat, finalShape, dtype));
}

/** A rank-0 tensor. */
export function scalar(value: number, options: CreateOptions = {}): Tensor {
  return tensor(value, [], options);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  assertValidShape('full', shape);
  const backend = options.backend ?? getBackend();
  return new Tensor(backend, backend.fill([...shape], options.dtype ?? 'float32', value));
}

export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, backend: t.backend });
}

export function onesLike(t: Tensor): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, backend: t.backend });
}

/** [start, start+step, ...) below `stop`. */
export function arange(start: number, stop: number, step = 1, options: CreateOptions = {}): Tensor {
  if (step === 0) throw new ArgumentError('arange', 'step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const values = Array.from({ length: n }, (_, i) => start + i * step);
  return tensor(values, [n], options);
}
