import type { GradientContext } from '../autograd/gradient-context.js';
import type { Tensor } from '../tensor.js';
import { recurrentSequenceGradient } from './recurrent-sequence-gradient.js';

/**
 * Gradient of a fused `gruSequence` node (inputs x, wIh, wHh, bIh, bHh, h0, lengths?):
 * one call to the backend's `gruSequenceBackward`.
 */
export function gruSequenceGradient(ctx: GradientContext<'gruSequence'>): (Tensor | null)[] {
  return recurrentSequenceGradient(ctx, 'gruSequenceBackward', (backend, { common, input }) => {
    const g = backend.gruSequenceBackward({ ...common, bIh: input(3), bHh: input(4), h0: input(5) });
    return [g.dx, g.dwIh, g.dwHh, g.dbIh, g.dbHh, g.dh0];
  });
}
