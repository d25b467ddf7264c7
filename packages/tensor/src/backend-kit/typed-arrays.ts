import type { DType, TensorData } from '../dtype.js';

/**
 * A zeroed typed array of `size` elements for `dtype` (Int32Array or Float32Array).
 *
 * @example
 * ```ts
 * import { allocate } from '@cellstate/tensor/backend-kit';
 * allocate('int32', 3); // Int32Array [0, 0, 0]
 * ```
 */
export function allocate(dtype: DType, size: number): TensorData {
  return dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
}

/**
 * The dtype a typed array holds.
 *
 * @example
 * ```ts
 * import { dtypeOf } from '@cellstate/tensor/backend-kit';
 * dtypeOf(new Int32Array(2)); // 'int32'
 * ```
 */
export function dtypeOf(data: TensorData): DType {
  return data instanceof Int32Array ? 'int32' : 'float32';
}
