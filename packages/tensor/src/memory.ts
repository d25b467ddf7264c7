import type { BackendMemory } from './backend/backend.js';
import { ArgumentError } from './errors.js';
import { tracking } from './memory-tracking.js';
import { getBackend } from './registry.js';
import { Tensor } from './tensor.js';
import { liveTapeNodes } from './autograd/tape.js';

function collect(value: unknown, out: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) {
    out.add(value);
    return;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      collect(k, out, seen);
      collect(v, out, seen);
    }
    return;
  }
  if (Array.isArray(value) || value instanceof Set) {
    for (const v of value) collect(v, out, seen);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, seen);
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors it returns
 * (found in arrays, Maps, Sets and plain objects) and those passed to `keep()`.
 * Returned tensors belong to the enclosing scope, if any. `fn` must be synchronous.
 *
 * @example
 * ```ts
 * const loss = scope(() => {
 *   const y = matmul(x, w);          // disposed at the end of the scope
 *   return mean(mul(y, y));         // survives
 * });
 * ```
 */
export function scope<T>(fn: () => T): T {
  const frame = new Set<Tensor>();
  tracking.scopes.push(frame);
  let result: T;
  let threw = true;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new ArgumentError('scope', 'the function returned a Promise; scope() is synchronous (await reads outside it)');
    }
    threw = false;
  } finally {
    const popped = tracking.scopes.pop();
    // A throwing function returns nothing, so nothing it made can be wanted: free it all,
    // or a caller that catches the error (a skipped training step) leaks every time.
    if (threw) for (const t of frame) t.dispose();
    if (popped !== frame) throw new Error('scope: scopes were closed out of order');
  }
  const keepers = new Set<Tensor>();
  collect(result, keepers);
  const parent = tracking.scopes[tracking.scopes.length - 1];
  for (const t of frame) {
    if (keepers.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/** Lets `t` outlive every scope it was created in. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of tracking.scopes) s.delete(t);
  return t;
}

export interface MemoryInfo extends BackendMemory {
  /** Live Tensor objects (views share storage, so this can exceed `handles`). */
  tensors: number;
  /** Autograd nodes waiting for backward(); each holds the values its gradient needs. */
  tapeNodes: number;
  backend: string;
}

/**
 * Counters for the active backend (or the one given). In a leak-free program they
 * return to their baseline after every training step.
 */
export function memory(backend = getBackend()): MemoryInfo {
  return { ...backend.memory(), tensors: tracking.liveTensors, tapeNodes: liveTapeNodes(), backend: backend.name };
}
