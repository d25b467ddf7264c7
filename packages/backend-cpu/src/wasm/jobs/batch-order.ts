/** A length clamped to [0, T]. */
function clampLength(n: number, T: number): number {
  return Math.min(T, Math.max(0, n));
}

/**
 * The batch order (longest first, ties in batch order) in which a fused recurrent kernel
 * can skip the finished samples' rows (`packedRows` in assembly/lstm.ts: lengths
 * non-increasing and at least an eighth of the T·B rows finished), or null when the batch
 * is best used as it is: no lengths, already sorted, or too little to skip.
 */
export function packingOrder(lengths: Int32Array | null, T: number, B: number): Int32Array | null {
  if (!lengths || B < 2) return null;
  let sorted = true;
  let total = 0;
  for (let b = 0; b < B; b++) {
    const n = clampLength(lengths[b]!, T);
    total += n;
    if (b > 0 && n > clampLength(lengths[b - 1]!, T)) sorted = false;
  }
  if (sorted || total * 8 >= T * B * 7) return null;
  const order = Int32Array.from({ length: B }, (_, i) => i);
  order.sort((a, b) => clampLength(lengths[b]!, T) - clampLength(lengths[a]!, T) || a - b);
  return order;
}

/** `values` [B] in `order` (values[order[k]] at k). */
export function inOrder(values: Int32Array, order: Int32Array): Int32Array {
  return Int32Array.from(order, (b) => values[b]!);
}
