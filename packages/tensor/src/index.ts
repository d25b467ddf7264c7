/**
 * @cellstate/tensor: tensors, the Backend contract, the backend registry, autograd
 * and memory accounting. Import a backend package (`@cellstate/backend-cpu`) to get
 * something to compute on.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, tensor, matmul, sum, backward, scope } from '@cellstate/tensor';
 * await ready();
 * const w = tensor([[0.5], [-0.25]]);
 * w.requiresGrad = true;
 * const grads = scope(() => backward(sum(matmul(tensor([[1, 2]]), w))));
 * console.log(await grads.get(w)!.data()); // [1, 2]
 * ```
 */
export type { DType, DataFor, TensorData } from './dtype.js';
export { DTYPES, isDType, bytesPerElement } from './dtype.js';
export type { Shape } from './shape.js';
export { sizeOf, broadcastShapes, stridesOf, shapesEqual } from './shape.js';
export {
  CellstateError,
  ShapeError,
  DTypeError,
  BackendMismatchError,
  BackendUnavailableError,
  UnsupportedOpError,
  DisposedTensorError,
  ArgumentError,
  type BackendStatus,
  type CellstateErrorFields,
} from './errors.js';

export { BACKEND_CONTRACT_VERSION, type Backend, type BackendCapabilities, type BackendMemory } from './backend/backend.js';
export type { Handle } from './backend/handle.js';
export {
  UNARY_OPS,
  BINARY_OPS,
  COMPARE_OPS,
  type PrimitiveOps,
  type PrimitiveOpName,
  type UnaryOpName,
  type BinaryOpName,
  type CompareOpName,
} from './backend/primitive-ops.js';
export type * from './backend/fused-ops.js';
export { threefry2x32, uniformAt, bitsToUniform, seedToKey } from './random-bits.js';
export { mulberry32, type Rng } from './mulberry32.js';

export {
  registerBackend,
  removeBackend,
  ready,
  setBackend,
  getBackend,
  findBackend,
  initBackend,
  listBackends,
  markUnavailable,
  importBackend,
  releaseBackends,
  type BackendFactory,
  type RegisterOptions,
  type ReadyOptions,
  type ImportBackendOptions,
  type ReleaseBackendsOptions,
} from './registry.js';
export { chooseBackend, type BackendLoaders } from './backend-choice.js';

export { Tensor, readMany } from './tensor.js';
export { scope, keep, memory, type MemoryInfo } from './memory.js';

export * from './ops/creation.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/matmul.js';
export * from './ops/movement.js';
export * from './ops/indexing.js';
export * from './ops/random.js';
export * from './ops/activation.js';
export * from './ops/softmax-cross-entropy.js';
export * from './ops/adam-step.js';
export * from './ops/sum-of-squares.js';
export * from './ops/add-into.js';
export * from './ops/lstm-sequence.js';
export * from './ops/lstm-sequence-embedded.js';
export * from './ops/gru-sequence.js';
export { lstmSequenceReference, lstmSequenceEmbeddedReference, gruSequenceReference, gruStep, softmaxCrossEntropyReference, adamStepReference, sumOfSquaresReference, oneHot } from './backend/fused-reference.js';

export { backward, type Gradients, type BackwardOptions } from './autograd/backward.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/no-grad.js';
export { clearTape } from './autograd/tape.js';
export type { OpAttrs, RecordedOpName } from './autograd/op-attrs.js';
