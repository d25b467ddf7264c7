import { InteropError } from '../errors.js';

/** The text of anything thrown: jsfive throws bare strings. */
export function describeThrown(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** `JSON.parse`, failing as an `InteropError` (`invalid-file`) that names `what` was parsed. */
export function parseJson(text: string, what: string, source: string | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InteropError('keras', 'invalid-file', `${what} is not valid JSON: ${(cause as Error).message}`, { cause, ...(source !== undefined ? { source } : {}) });
  }
}
