import type { Handle } from '../backend/handle.js';
import type { GradientContext } from '../autograd/gradient-context.js';
import { Tensor } from '../tensor.js';
import { UnsupportedOpError } from '../errors.js';

/**
 * Gradient of a fused `gruSequence` node: one call to the backend's
 * `gruSequenceBackward` with the saved inputs, outputs and reserve.
 */
export function gruSequenceGradient(ctx: GradientContext<'gruSequence'>): (Tensor | null)[] {
  const x = ctx.input(0);
  const backend = x.backend;
  if (!backend.gruSequenceBackward) {
    throw new UnsupportedOpError('gruSequenceBackward', backend.name, 'the backend ran the fused forward but has no fused backward');
  }
  const h = (t: Tensor | null) => (t ? t.handleFor('gruSequenceBackward') : null);
  const hasLengths = ctx.inputShapes.length === 7;
  const [dy, dhT] = ctx.dys;
  const g = backend.gruSequenceBackward({
    x: h(x)!,
    wIh: h(ctx.input(1))!,
    wHh: h(ctx.input(2))!,
    bIh: h(ctx.input(3))!,
    bHh: h(ctx.input(4))!,
    h0: h(ctx.input(5))!,
    ...(hasLengths ? { lengths: h(ctx.input(6))! } : {}),
    reverse: ctx.attrs.reverse,
    dy: h(dy ?? null),
    dhT: h(dhT ?? null),
    y: h(ctx.output(0))!,
    reserve: h(ctx.extra[0]!)!,
  });
  const wrap = (handle: Handle) => new Tensor(backend, handle);
  const grads: (Tensor | null)[] = [wrap(g.dx), wrap(g.dwIh), wrap(g.dwHh), wrap(g.dbIh), wrap(g.dbHh), wrap(g.dh0)];
  if (hasLengths) grads.push(null);
  return grads;
}
