import type { GradientContext } from '../autograd/gradient-context.js';
import type { Tensor } from '../tensor.js';
import { recurrentSequenceGradient } from './recurrent-sequence-gradient.js';

/**
 * Gradient of a fused `lstmSequence` node (inputs x, wIh, wHh, bias, h0, c0, lengths?):
 * one call to the backend's `lstmSequenceBackward`.
 */
export function lstmSequenceGradient(ctx: GradientContext<'lstmSequence'>): (Tensor | null)[] {
  return recurrentSequenceGradient(ctx, 'lstmSequenceBackward', (backend, { common, input, dy }) => {
    const g = backend.lstmSequenceBackward({ ...common, bias: input(3), h0: input(4), c0: input(5), dcT: dy(2) });
    return [g.dx, g.dwIh, g.dwHh, g.dBias, g.dh0, g.dc0];
  });
}
