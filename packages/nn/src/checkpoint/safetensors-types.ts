/** The types of the safetensors reader and writer (safetensors.ts), apart so that quantize.ts can use them without an import cycle. */

/** Dtypes cellstate reads. Floats become Float32Array, integers and BOOL Int32Array. */
export type SafetensorsDType = 'F32' | 'F16' | 'BF16' | 'F64' | 'I32' | 'I64' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Dtypes cellstate writes: its own tensor dtypes, and F16 / I8 / U8 (packed 4-bit) for smaller model files (see quantize.ts). */
export type SafetensorsWritableDType = 'F32' | 'I32' | 'F16' | 'I8' | 'U8';

export interface SafetensorsTensor {
  /** The dtype stored in the file (the data has been converted, see `data`). */
  dtype: SafetensorsDType;
  shape: number[];
  /** Float32Array for F32/F16/BF16/F64, Int32Array for I32/I64/I16/I8/U8/BOOL. */
  data: Float32Array | Int32Array;
}

export interface ParsedSafetensors {
  /** Tensors in file order (by data offset). */
  tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` map (empty when the file has none). */
  metadata: Record<string, string>;
}

export interface ParseSafetensorsOptions {
  /** File name or label used in error messages. */
  source?: string;
}

export interface SafetensorsWritableTensor {
  dtype: SafetensorsWritableDType;
  shape: readonly number[];
  /** F16 takes float values and rounds them to half precision (ties to even). */
  data: Float32Array | Int32Array | Int8Array | Uint8Array | ArrayLike<number>;
}

export interface SerializeSafetensorsOptions {
  /**
   * 'name' (default): tensors sorted by the byte order of their UTF-8 names, as the
   * reference writer does; 'insertion': in the map's order (formats whose files were
   * always written that way keep their bytes).
   */
  order?: 'name' | 'insertion';
}
