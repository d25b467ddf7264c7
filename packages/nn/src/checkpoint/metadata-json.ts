/**
 * Reading and checking the JSON values of checkpoint metadata, and the
 * `CheckpointError` every check throws.
 */
import { CheckpointError, type CheckpointErrorCode } from './errors.js';

export function err(code: CheckpointErrorCode, detail: string, fields: ConstructorParameters<typeof CheckpointError>[2] = {}): CheckpointError {
  return new CheckpointError(code, detail, fields);
}

export function parseInteger(value: string | undefined, key: string, source: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw err('invalid-metadata', `metadata '${key}' is ${JSON.stringify(value ?? null)}, expected a non-negative integer`, { source });
  }
  return Number(value);
}

export function parseJson(value: string | undefined, key: string, source: string | undefined): unknown {
  try {
    if (value === undefined) throw new Error('missing');
    return JSON.parse(value);
  } catch (cause) {
    throw err('invalid-metadata', `metadata '${key}' is not valid JSON: ${(cause as Error).message}`, { source, cause });
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Throws unless `value` survives a JSON round trip unchanged. */
export function checkJson(value: unknown, path: string, seen = new Set<unknown>()): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw err('invalid-argument', `cannot write: ${path} is ${value}, which JSON cannot hold`);
    return;
  }
  if (typeof value === 'object') {
    if (seen.has(value)) throw err('invalid-argument', `cannot write: ${path} is a circular reference`);
    seen.add(value);
    if (Array.isArray(value)) value.forEach((v, i) => checkJson(v, `${path}[${i}]`, seen));
    else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) checkJson(v, `${path}.${k}`, seen);
    else throw err('invalid-argument', `cannot write: ${path} is a ${value.constructor?.name ?? 'object'}, not a plain object or array`);
    seen.delete(value);
    return;
  }
  throw err('invalid-argument', `cannot write: ${path} is a ${typeof value}, which JSON cannot hold`);
}
