/**
 * What the book-keeping needs of a tensor: `Tensor` has it, and naming only this keeps
 * this file free of any import from tensor.ts (which imports it).
 */
export interface TrackedTensor {
  dispose(): void;
}

/**
 * Book-keeping shared by tensor.ts and memory.ts (kept apart to avoid an import
 * cycle): live tensor count and the stack of open scopes.
 */
export const tracking = {
  liveTensors: 0,
  scopes: [] as Set<TrackedTensor>[],
  /** Set by the tape: lets autograd free a node once nothing can reach it. */
  onDispose: null as ((t: TrackedTensor) => void) | null,
};

export function onTensorCreated(t: TrackedTensor, track: boolean): void {
  tracking.liveTensors++;
  if (track) tracking.scopes[tracking.scopes.length - 1]?.add(t);
}

export function onTensorDisposed(t: TrackedTensor): void {
  tracking.liveTensors--;
  for (const s of tracking.scopes) s.delete(t);
  tracking.onDispose?.(t);
}
