import { NonFiniteLossError } from '@cellstate/nn';
import type { FromWorker, SerializedError } from '../protocol.js';

/** Something thrown, as the structured-clone data the protocol's `error` message carries (the step of a `NonFiniteLossError` included). */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const step = error instanceof NonFiniteLossError ? error.step : undefined;
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}), ...(step !== undefined ? { step } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/**
 * Reports a rejection nobody handled (a training module's forgotten promise) as the
 * run's failure: otherwise a browser worker carries on silently and the session's
 * `done` never settles. Node's worker entry does the same with process events.
 */
export function reportUnhandledRejections(post: (m: FromWorker) => void): void {
  const scope = globalThis as { addEventListener?: (type: string, listener: (event: { reason?: unknown; preventDefault?: () => void }) => void) => void };
  scope.addEventListener?.('unhandledrejection', (event) => {
    event.preventDefault?.();
    post({ type: 'error', error: { ...serializeError(event.reason), name: 'UnhandledRejection' } });
  });
}
