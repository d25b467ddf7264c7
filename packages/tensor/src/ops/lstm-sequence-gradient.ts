import type { Tensor } from '../tensor.js';
import type { GradientContext } from '../autograd/gradient-rules.js';
import { UnsupportedOpError } from '../errors.js';

/**
 * Gradient of the fused `lstmSequence` node. The fused LSTM op arrives with
 * @cellstate/lstm (issue 4); until then no op records this node.
 */
export function lstmSequenceGradient(ctx: GradientContext<'lstmSequence'>): (Tensor | null)[] {
  throw new UnsupportedOpError('lstmSequence', ctx.dy.backend.name, 'the fused LSTM sequence op is not available in this version');
}
