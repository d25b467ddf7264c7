/**
 * Element types a tensor can hold. `float32` is the compute type; `int32` carries
 * indices, labels and lengths. (float16 is not offered: see architecture §3.)
 */
export type DType = 'float32' | 'int32';

/** The typed array that holds the values of a tensor of dtype `D`. */
export type DataFor<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;

/** Any typed array a tensor's values can be read into. */
export type TensorData = Float32Array | Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'int32'];

export function isDType(value: unknown): value is DType {
  return value === 'float32' || value === 'int32';
}

/** Bytes one element of `dtype` occupies. */
export function bytesPerElement(dtype: DType): number {
  return 4; // float32 and int32 are both 4 bytes; kept as a function for future dtypes
}

/** Allocates a zeroed typed array of the right kind for `dtype`. */
export function allocate(dtype: DType, size: number): TensorData {
  return dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
}
