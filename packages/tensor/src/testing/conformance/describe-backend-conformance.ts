/**
 * The one conformance suite every backend runs: each case uploads the same inputs to the
 * backend under test and to the float64 reference backend, runs the op on both, reads
 * both back and compares within the op's tolerance; afterwards both backends' `memory()`
 * must be back at the numbers from before the case.
 *
 * @example
 * ```ts
 * // packages/backend-cpu/src/cpu-backend.conformance.test.ts
 * import { describeBackendConformance } from '@cellstate/tensor/testing';
 * import { createCpuBackend } from './index.js';
 * describeBackendConformance('cpu', () => createCpuBackend());
 * ```
 */
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import type { Backend } from '../../backend/backend.js';
import { createReferenceBackend, type ReferenceBackend } from '../reference-backend.js';
import { capabilitiesSuite } from './capabilities.suite.js';
import { CaseScope, checkMemoryBaseline, type CaseOptions, type ConformanceContext } from './context.js';
import { elementwiseSuite } from './elementwise.suite.js';
import { fusedSuite } from './fused.suite.js';
import { gruSequenceSuite } from './gru-sequence.suite.js';
import { indexingSuite } from './indexing.suite.js';
import { matmulSuite } from './matmul.suite.js';
import { memorySuite } from './memory.suite.js';
import { movementSuite } from './movement.suite.js';
import { randomSuite } from './random.suite.js';
import { readbackSuite } from './readback.suite.js';
import { reduceSuite } from './reduce.suite.js';
import { resolveTolerances, type ToleranceTable } from './tolerances.js';

/** Options of `describeBackendConformance`. */
export interface BackendConformanceOptions {
  /** Replaces entries of the default float32 tolerance table (`FLOAT32_TOLERANCES`). */
  tolerances?: Partial<ToleranceTable>;
}

/** A factory as the registry takes it: `null` means "not available here", a throw "available but broken". */
export type BackendFactory = () => Backend | null | Promise<Backend | null>;

/** Per-case timeout: generous, for software GPU adapters (SwiftShader) on CI. */
const DEFAULT_CASE_TIMEOUT_MS = 60_000;
/** Creating a GPU device can take seconds. */
const CREATE_TIMEOUT_MS = 120_000;

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Registers the conformance suite for one backend under `describe(\`conformance: ${name}\`)`.
 * The backend is created once (in `beforeAll`) and disposed in `afterAll`. If the
 * factory returns null or throws, every case is skipped with
 * `"<name>: unavailable — <reason>"` as its skip note.
 */
export function describeBackendConformance(name: string, createBackend: BackendFactory, options: BackendConformanceOptions = {}): void {
  const tolerances = resolveTolerances(options.tolerances);
  const state: { backend: Backend | null; reference: ReferenceBackend | null; reason: string; current: CaseScope | null } = {
    backend: null,
    reference: null,
    reason: 'the backend was not created (beforeAll did not run)',
    current: null,
  };

  const ctx: ConformanceContext = {
    name,
    tolerances,
    test(title: string, body: (scope: CaseScope) => Promise<void> | void, caseOptions: CaseOptions = {}): void {
      it(
        title,
        async (testContext) => {
          const backend = state.backend;
          const reference = state.reference;
          if (backend === null || reference === null) {
            testContext.skip(`${name}: unavailable — ${state.reason}`);
            return;
          }
          const backendBefore = backend.memory();
          const referenceBefore = reference.memory();
          const scope = new CaseScope(name, backend, reference, tolerances);
          state.current = scope;
          await body(scope);
          state.current = null;
          const errors = scope.releaseAll();
          if (errors.length > 0) {
            throw new Error(`${name}: releasing the case's handles failed: ${errors.map(describeError).join('; ')}`);
          }
          // A GPU backend may park released buffers until its queue is submitted.
          backend.flush();
          await backend.sync();
          checkMemoryBaseline(name, backendBefore, backend.memory());
          checkMemoryBaseline('reference', referenceBefore, reference.memory());
        },
        caseOptions.timeout ?? DEFAULT_CASE_TIMEOUT_MS,
      );
    },
  };

  describe(`conformance: ${name}`, () => {
    beforeAll(async () => {
      state.reference = createReferenceBackend();
      try {
        const backend = await createBackend();
        if (backend === null || backend === undefined) state.reason = 'the factory returned null (not available here)';
        else state.backend = backend;
      } catch (error) {
        state.reason = `the factory threw ${describeError(error)}`;
      }
    }, CREATE_TIMEOUT_MS);

    // A case that failed half-way still gives its handles back, so later cases start clean.
    afterEach(() => {
      const scope = state.current;
      state.current = null;
      scope?.releaseAll();
    });

    afterAll(() => {
      state.backend?.dispose();
      state.reference?.dispose();
      state.backend = null;
      state.reference = null;
    });

    capabilitiesSuite(ctx);
    memorySuite(ctx);
    readbackSuite(ctx);
    elementwiseSuite(ctx);
    reduceSuite(ctx);
    matmulSuite(ctx);
    movementSuite(ctx);
    indexingSuite(ctx);
    randomSuite(ctx);
    fusedSuite(ctx);
    gruSequenceSuite(ctx);
  });
}
