/** Whether ops record onto the tape. */
export const gradMode = { enabled: true };

/**
 * Runs `fn` without recording gradients (inference, metrics, optimizer updates).
 *
 * @example
 * ```ts
 * const prediction = noGrad(() => model.forward(x));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording on, also inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradMode.enabled;
  gradMode.enabled = enabled;
  try {
    return fn();
  } finally {
    gradMode.enabled = previous;
  }
}

export function isGradEnabled(): boolean {
  return gradMode.enabled;
}
