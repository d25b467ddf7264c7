import type { Handle } from '../backend/handle.js';
import type { GradientContext } from '../autograd/gradient-context.js';
import { Tensor } from '../tensor.js';
import { UnsupportedOpError } from '../errors.js';

/**
 * Gradient of a fused `lstmSequence` node: one call to the backend's
 * `lstmSequenceBackward` with the saved inputs, outputs and reserve.
 */
export function lstmSequenceGradient(ctx: GradientContext<'lstmSequence'>): (Tensor | null)[] {
  const x = ctx.input(0);
  const backend = x.backend;
  if (!backend.lstmSequenceBackward) {
    throw new UnsupportedOpError('lstmSequenceBackward', backend.name, 'the backend ran the fused forward but has no fused backward');
  }
  const h = (t: Tensor | null) => (t ? t.handleFor('lstmSequenceBackward') : null);
  const hasLengths = ctx.inputShapes.length === 7;
  const [dy, dhT, dcT] = ctx.dys;
  const g = backend.lstmSequenceBackward({
    x: h(x)!,
    wIh: h(ctx.input(1))!,
    wHh: h(ctx.input(2))!,
    bias: h(ctx.input(3))!,
    h0: h(ctx.input(4))!,
    c0: h(ctx.input(5))!,
    ...(hasLengths ? { lengths: h(ctx.input(6))! } : {}),
    reverse: ctx.attrs.reverse,
    dy: h(dy ?? null),
    dhT: h(dhT ?? null),
    dcT: h(dcT ?? null),
    y: h(ctx.output(0))!,
    reserve: h(ctx.extra[0]!)!,
  });
  const wrap = (handle: Handle) => new Tensor(backend, handle);
  const grads: (Tensor | null)[] = [wrap(g.dx), wrap(g.dwIh), wrap(g.dwHh), wrap(g.dBias), wrap(g.dh0), wrap(g.dc0)];
  if (hasLengths) grads.push(null);
  return grads;
}
