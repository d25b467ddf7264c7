/**
 * @cellstate/tensor/testing: what every backend package needs to prove itself.
 * - `createReferenceBackend()`: naive float64 loops, the living spec of every op.
 * - `describeBackendConformance(name, createBackend)`: the one shared suite.
 * - `checkGradients`, `expectClose`: finite differences and tolerance checks.
 */
export { createReferenceBackend, ReferenceBackend } from './reference-backend.js';
export { checkGradients, type GradientCheckOptions, type GradientCheckResult } from './check-gradients.js';
