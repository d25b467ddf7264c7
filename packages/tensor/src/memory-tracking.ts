import type { Tensor } from './tensor.js';

/**
 * Book-keeping shared by tensor.ts and memory.ts (kept apart to avoid an import
 * cycle): live tensor count and the stack of open scopes.
 */
export const tracking = {
  liveTensors: 0,
  scopes: [] as Set<Tensor>[],
  /** Set by the tape: lets autograd free a node once nothing can reach it. */
  onDispose: null as ((t: Tensor) => void) | null,
};

export function onTensorCreated(t: Tensor, track: boolean): void {
  tracking.liveTensors++;
  if (track) tracking.scopes[tracking.scopes.length - 1]?.add(t);
}

export function onTensorDisposed(t: Tensor): void {
  tracking.liveTensors--;
  for (const s of tracking.scopes) s.delete(t);
  tracking.onDispose?.(t);
}
