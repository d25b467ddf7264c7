// The reference backend against a second reference backend: the suite's own sanity check
// (every case must pass, and every case must give back what it allocates).
import { createReferenceBackend } from '../reference-backend.js';
import { describeBackendConformance } from './describe-backend-conformance.js';

describeBackendConformance('reference', () => createReferenceBackend());

// The skip path: a factory that says "not available here" skips every case, visibly.
describeBackendConformance('unavailable (skip path)', () => null);
