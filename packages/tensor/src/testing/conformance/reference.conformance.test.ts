// The reference backend against a second reference backend: the suite's own sanity check.
// Every case must pass, and every case must give back every handle it creates.
import { createReferenceBackend } from '../reference-backend.js';
import { describeBackendConformance } from './describe-backend-conformance.js';

describeBackendConformance('reference', () => createReferenceBackend());
