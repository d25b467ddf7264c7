/**
 * Typed errors. Each message reads on its own (op, what was expected, what came);
 * the same facts are kept as fields so programs can act on them.
 */
const MARKER = Symbol.for('cellstate.error');

export interface CellstateErrorFields {
  op?: string;
  expected?: unknown;
  actual?: unknown;
  backend?: string;
  file?: string;
  line?: number;
}

/** Base class of every error cellstate throws on purpose. */
export class CellstateError extends Error {
  readonly [MARKER] = true;
  readonly op?: string;
  readonly expected?: unknown;
  readonly actual?: unknown;
  readonly backend?: string;
  readonly file?: string;
  readonly line?: number;

  constructor(message: string, fields: CellstateErrorFields = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    Object.assign(this, fields);
  }

  /** True for any cellstate error, also one thrown by another copy of the package. */
  static isInstance(error: unknown): error is CellstateError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** Formats a shape, or a list of shapes, the way messages print them: `[2, 3]`. */
export function formatShape(value: unknown): string {
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return `[${value.join(', ')}]`;
  if (Array.isArray(value)) return value.map(formatShape).join(' and ');
  return String(value);
}

function describe(fields: CellstateErrorFields, what: string): string {
  const parts = [`${fields.op ?? 'op'}: ${what}`];
  if (fields.expected !== undefined) parts.push(`expected ${formatShape(fields.expected)}`);
  if (fields.actual !== undefined) parts.push(`got ${formatShape(fields.actual)}`);
  return parts.join('; ');
}

/** Shapes that do not fit the op (rank, sizes, broadcasting, axes). */
export class ShapeError extends CellstateError {
  constructor(fields: CellstateErrorFields & { op: string; detail?: string }) {
    super(describe(fields, fields.detail ?? 'shape mismatch'), fields);
  }
}

/** A dtype the op does not accept. */
export class DTypeError extends CellstateError {
  constructor(fields: CellstateErrorFields & { op: string; detail?: string }) {
    super(describe(fields, fields.detail ?? 'wrong dtype'), fields);
  }
}

/** Tensors of two backends met in one op; move one with `await tensor.to(name)`. */
export class BackendMismatchError extends CellstateError {
  readonly backends: string[];
  constructor(op: string, backends: string[]) {
    super(
      `${op}: tensors live on different backends (${backends.join(', ')}); move one explicitly with await tensor.to('${backends[0]}')`,
      { op },
    );
    this.backends = backends;
  }
}

/** One row of `listBackends()`. */
export interface BackendStatus {
  name: string;
  priority: number;
  state: 'registered' | 'ready' | 'unavailable' | 'failed';
  reason?: string;
  active: boolean;
}

/** A backend that was asked for cannot be used; lists every registered backend and why. */
export class BackendUnavailableError extends CellstateError {
  readonly requested: string | undefined;
  readonly available: BackendStatus[];
  constructor(requested: string | undefined, available: BackendStatus[], detail?: string) {
    const table = available.length
      ? available.map((b) => `${b.name} (priority ${b.priority}): ${b.state}${b.reason ? ` - ${b.reason}` : ''}`).join('; ')
      : 'no backend is registered (import @cellstate/backend-cpu)';
    const head = requested ? `backend '${requested}' is not available` : 'no backend is available';
    super(`${head}${detail ? ` (${detail})` : ''}. Backends: ${table}`, { backend: requested });
    this.requested = requested;
    this.available = available;
  }
}

/** The backend does not implement an optional op, or the op is not allowed here. */
export class UnsupportedOpError extends CellstateError {
  constructor(op: string, backend: string, detail: string) {
    super(`${op}: not supported on backend '${backend}': ${detail}`, { op, backend });
  }
}

/** A tensor or handle was used after it was disposed. */
export class DisposedTensorError extends CellstateError {
  constructor(op: string, detail = 'tensor was already disposed') {
    super(`${op}: ${detail}`, { op });
  }
}

/** An argument that is neither a shape nor a dtype problem (a probability outside [0, 1], say). */
export class ArgumentError extends CellstateError {
  constructor(op: string, detail: string, fields: CellstateErrorFields = {}) {
    super(`${op}: ${detail}`, { op, ...fields });
  }
}
