import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';

/**
 * An opaque reference to storage inside one backend. `id` names the storage; `shape`
 * and `dtype` describe how this handle reads it (two handles may share one id when a
 * reshape made a view). Storage is contiguous and row-major.
 */
export interface Handle {
  readonly id: number;
  readonly shape: Shape;
  readonly dtype: DType;
}
