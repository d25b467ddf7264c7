/**
 * @cellstate/tensor/testing: what every backend package needs to prove itself.
 * - `createReferenceBackend()`: naive float64 loops, the living spec of every op.
 * - `describeBackendConformance(name, createBackend)`: the one shared suite.
 * - `checkGradients`, `expectClose`: finite differences and tolerance checks.
 * - `mulberry32`, `randomFloats`, `randomInts`, ...: the one seeded test-data generator.
 */
export { createReferenceBackend, ReferenceBackend } from './reference-backend.js';
export { checkGradients, type GradientCheckOptions, type GradientCheckResult } from './check-gradients.js';
export { describeBackendConformance, type BackendConformanceOptions, type BackendFactory as ConformanceBackendFactory } from './conformance/describe-backend-conformance.js';
export { expectClose, closeness, type CloseOptions, type Closeness } from './expect-close.js';
export { FLOAT32_TOLERANCES, resolveTolerances, toleranceFor, scaleTolerance, type Tolerance, type ToleranceTable, type ToleranceScale } from './conformance/tolerances.js';
export { CaseScope, type ConformanceContext, type Pair, type CaseOptions } from './conformance/context.js';
export { mulberry32, randomFloats, randomInts, randomSmallIntFloats, randomShape, edgeFloats, EDGE_VALUES, type Rng } from './random-inputs.js';
