import type { Backend, BackendMemory } from '../../backend/backend.js';
import type { Handle } from '../../backend/handle.js';
import type { PrimitiveOpName } from '../../backend/primitive-ops.js';
import type { DType, TensorData } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { expectClose } from '../expect-close.js';
import type { ReferenceBackend } from '../reference-backend.js';
import { toleranceFor, type Tolerance, type ToleranceScale, type ToleranceTable } from './tolerances.js';

/** The same logical tensor on the backend under test (`actual`) and on the reference (`expected`). */
export interface Pair {
  readonly actual: Handle;
  readonly expected: Handle;
}

/** Options of one conformance case. */
export interface CaseOptions {
  /** Test timeout in ms (default 60 000). */
  timeout?: number;
}

/** What a suite file gets: registers cases against one backend and the reference. */
export interface ConformanceContext {
  /** The name given to `describeBackendConformance`. */
  readonly name: string;
  readonly tolerances: ToleranceTable;
  /**
   * Registers one case (a vitest `it`). The case is skipped, with the reason, when the
   * backend did not come up. It gets a `CaseScope` whose handles are released after the
   * body; then the backend's and the reference's `memory()` must be back at their
   * numbers from before the case.
   */
  test(title: string, body: (scope: CaseScope) => Promise<void> | void, options?: CaseOptions): void;
}

/** Formats a shape for titles and labels. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/**
 * The handles created during one case, on both backends. Everything created through the
 * scope (or handed to `track`) is released when the case ends, in reverse order.
 */
export class CaseScope {
  readonly backend: Backend;
  readonly reference: ReferenceBackend;
  readonly tolerances: ToleranceTable;
  readonly #name: string;
  readonly #tracked: { backend: Backend | ReferenceBackend; handle: Handle }[] = [];

  constructor(name: string, backend: Backend, reference: ReferenceBackend, tolerances: ToleranceTable) {
    this.#name = name;
    this.backend = backend;
    this.reference = reference;
    this.tolerances = tolerances;
  }

  /** Releases `handle` on `on` when the case ends. Returns the handle. */
  track<H extends Handle>(handle: H, on: Backend | ReferenceBackend = this.backend): H {
    this.#tracked.push({ backend: on, handle });
    return handle;
  }

  /** Releases a tracked handle now (and forgets it). */
  release(handle: Handle, on: Backend | ReferenceBackend = this.backend): void {
    const i = this.#tracked.findIndex((t) => t.handle === handle && t.backend === on);
    if (i < 0) throw new Error(`conformance: releasing a handle (id ${handle.id}) the case does not track`);
    this.#tracked.splice(i, 1);
    on.release(handle);
  }

  /** Releases both sides of a pair now. */
  releasePair(pair: Pair): void {
    this.release(pair.actual, this.backend);
    this.release(pair.expected, this.reference);
  }

  /** Number of handles still tracked. */
  get trackedCount(): number {
    return this.#tracked.length;
  }

  /**
   * Uploads `values` to both backends (tracked). Pass float32-exact values (a
   * `Float32Array`) so that both backends start from the same numbers: the reference
   * keeps float32 uploads in float64 without rounding.
   */
  upload(values: ArrayLike<number>, shape: Shape, dtype: DType): Pair {
    const data = dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
    return {
      actual: this.track(this.backend.upload(data, shape, dtype), this.backend),
      expected: this.track(this.reference.upload(data, shape, dtype), this.reference),
    };
  }

  /** Runs `run` on both backends with the matching sides of `inputs`; the outputs are tracked. */
  run(run: (backend: Backend, ...handles: Handle[]) => Handle, ...inputs: Pair[]): Pair {
    const expected = this.track(run(this.reference, ...inputs.map((p) => p.expected)), this.reference);
    const actual = this.track(run(this.backend, ...inputs.map((p) => p.actual)), this.backend);
    return { actual, expected };
  }

  /** Runs a producer (fill, random) on both backends; outputs are tracked. */
  create(make: (backend: Backend) => Handle): Pair {
    const expected = this.track(make(this.reference), this.reference);
    const actual = this.track(make(this.backend), this.backend);
    return { actual, expected };
  }

  /** The tolerance of `op` from the table, scaled (see `toleranceFor`). */
  tol(op: PrimitiveOpName, scale?: ToleranceScale): Tolerance {
    return toleranceFor(this.tolerances, op, scale);
  }

  /** The reference's result for the backend's dtype: float32-rounded (so overflow gives ±Infinity), or exact int32. */
  expectedValues(pair: Pair): Float32Array | Int32Array {
    const exact = this.reference.readFloat64(pair.expected);
    return pair.expected.dtype === 'int32' ? Int32Array.from(exact) : Float32Array.from(exact);
  }

  /**
   * Checks that `pair.actual` has the reference's shape and dtype, reads it back and
   * compares it with the reference within `tolerance` (exact for int32 outputs).
   * Returns the values the backend produced.
   */
  async check(pair: Pair, tolerance: Tolerance, label: string): Promise<TensorData> {
    const what = `${this.#name} ${label}`;
    const { actual, expected } = pair;
    if (actual.dtype !== expected.dtype) throw new Error(`${what}: dtype ${actual.dtype}, expected ${expected.dtype}`);
    if (fmt(actual.shape) !== fmt(expected.shape)) {
      throw new Error(`${what}: shape ${fmt(actual.shape)}, expected ${fmt(expected.shape)}`);
    }
    const values = await this.backend.read(actual);
    checkReadType(what, values, actual.dtype);
    const want = this.expectedValues(pair);
    expectClose(values, want, { ...(actual.dtype === 'int32' ? { atol: 0, rtol: 0 } : tolerance), label: what });
    return values;
  }

  /** `check` with the tolerance of `op` from the table. */
  async checkOp(pair: Pair, op: PrimitiveOpName, label: string, scale?: ToleranceScale): Promise<TensorData> {
    return this.check(pair, this.tol(op, scale), label);
  }

  /** Reads the backend side of `pair` (or a handle) and checks the typed array matches the dtype. */
  async read(handle: Handle): Promise<TensorData> {
    const values = await this.backend.read(handle);
    checkReadType(`${this.#name} read`, values, handle.dtype);
    return values;
  }

  /** Releases every tracked handle, newest first; returns the errors it met. */
  releaseAll(): unknown[] {
    const errors: unknown[] = [];
    while (this.#tracked.length > 0) {
      const { backend, handle } = this.#tracked.pop()!;
      try {
        backend.release(handle);
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }
}

/** Throws unless `values` is the typed array for `dtype` (Float32Array / Int32Array). */
export function checkReadType(what: string, values: unknown, dtype: DType): void {
  const ok = dtype === 'int32' ? values instanceof Int32Array : values instanceof Float32Array;
  if (!ok) {
    const kind = (values as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof values;
    throw new Error(`${what}: read of a ${dtype} handle returned ${kind}, expected ${dtype === 'int32' ? 'Int32Array' : 'Float32Array'}`);
  }
}

/** Asserts `after` has the handle count and bytes in use of `before`. */
export function checkMemoryBaseline(what: string, before: BackendMemory, after: BackendMemory): void {
  if (after.handles !== before.handles || after.bytesInUse !== before.bytesInUse) {
    throw new Error(
      `${what}: memory() not back at its baseline after the case released its handles: ` +
        `handles ${before.handles} -> ${after.handles}, bytesInUse ${before.bytesInUse} -> ${after.bytesInUse}`,
    );
  }
}
