/**
 * Building a model whose weights a file will overwrite need not draw random numbers:
 * inside `withoutInitialization`, the initialisers (`uniform`, `normal`, Xavier,
 * orthogonal, `Embedding`'s normal table, the recurrent layers' uniform weights) give
 * zeros instead, as PyTorch's `torch.nn.utils.skip_init` does. Seeds are still taken in
 * the same order, so modules built after it get the values they always got.
 */
let depth = 0;

/**
 * Runs `build` with the initialisers skipped (zeros); for a model that is loaded next.
 *
 * @example
 * ```ts
 * const model = withoutInitialization(() => new Seq2Seq(config));
 * model.loadStateDict(weights); // every parameter overwritten (strict)
 * ```
 */
export function withoutInitialization<T>(build: () => T): T {
  depth++;
  try {
    return build();
  } finally {
    depth--;
  }
}

/** True inside `withoutInitialization`. */
export function initializationSkipped(): boolean {
  return depth > 0;
}
