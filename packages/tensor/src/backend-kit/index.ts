/**
 * @cellstate/tensor/backend-kit: the pieces every backend writes the same way, for
 * backend authors (not for model code).
 * - Layout: `broadcastStrides`, `coalesce`, `StridedCursor`, `product`, `reducedShape`.
 * - Values: `toInt32` (the contract's float -> int32 rule), `allocate`, `dtypeOf`.
 * - Fused ops: `lstmReserveLayout` (where the LSTM reserve keeps what the backward
 *   reads), `gruReserveLayout` (the same for the GRU), `adamCoefficients` (the per-step constants of an Adam update).
 * - `ElementwiseDispatch`: the fifteen elementwise Backend methods routed to two.
 * - `StorageTable`: storages by handle id with reference counts and the released-storage error.
 */
export { broadcastStrides } from './broadcast-strides.js';
export { coalesce, type StridedLayout } from './coalesce.js';
export { StridedCursor } from './strided-cursor.js';
export { product, reducedShape } from './shape-products.js';
export { toInt32 } from './int32.js';
export { allocate, dtypeOf } from './typed-arrays.js';
export { lstmReserveLayout, type LstmReserveLayout } from './lstm-reserve-layout.js';
export { gruReserveLayout, type GruReserveLayout } from './gru-reserve-layout.js';
export { adamCoefficients, type AdamCoefficients, type AdamHyperparameters } from './adam-coefficients.js';
export { ElementwiseDispatch } from './elementwise-dispatch.js';
export { StorageTable } from './storage-table.js';
