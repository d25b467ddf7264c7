import type { Backend } from '../backend/backend.js';
import type { Handle } from '../backend/handle.js';
import type { GradientContext } from '../autograd/gradient-context.js';
import { Tensor } from '../tensor.js';
import { UnsupportedOpError } from '../errors.js';

/** The backward arguments every fused recurrent sequence op takes, from its saved node. */
export interface RecurrentBackwardCommon {
  x: Handle;
  wIh: Handle;
  wHh: Handle;
  lengths?: Handle;
  reverse: boolean;
  dy: Handle | null;
  dhT: Handle | null;
  y: Handle;
  reserve: Handle;
}

export interface RecurrentBackwardParts {
  common: RecurrentBackwardCommon;
  /** Saved input i as a handle: 3..5 are the cell's own (biases, initial states). */
  input(i: number): Handle;
  /** The gradient of output i as a handle, null where it got none. */
  dy(i: number): Handle | null;
}

/**
 * The gradient of a fused lstmSequence / gruSequence node: one call to the backend's
 * fused backward with the saved inputs (x, wIh, wHh, three of the cell's own, lengths?),
 * outputs and reserve. `run` adds the cell's own arguments and returns the input
 * gradients in input order; lengths, when saved, gets none.
 */
export function recurrentSequenceGradient<K extends 'lstmSequenceBackward' | 'gruSequenceBackward'>(
  ctx: GradientContext<'lstmSequence'> | GradientContext<'gruSequence'>,
  op: K,
  run: (backend: Backend & Required<Pick<Backend, K>>, parts: RecurrentBackwardParts) => readonly Handle[],
): (Tensor | null)[] {
  const x = ctx.input(0);
  const backend = x.backend;
  if (!backend[op]) {
    throw new UnsupportedOpError(op, backend.name, 'the backend ran the fused forward but has no fused backward');
  }
  const h = (t: Tensor | null) => (t ? t.handleFor(op) : null);
  const input = (i: number) => h(ctx.input(i))!;
  const dy = (i: number) => h(ctx.dys[i] ?? null);
  const hasLengths = ctx.inputShapes.length === 7;
  const common: RecurrentBackwardCommon = {
    x: input(0),
    wIh: input(1),
    wHh: input(2),
    ...(hasLengths ? { lengths: input(6) } : {}),
    reverse: ctx.attrs.reverse,
    dy: dy(0),
    dhT: dy(1),
    y: h(ctx.output(0))!,
    reserve: h(ctx.extra[0]!)!,
  };
  const grads: (Tensor | null)[] = run(backend as Backend & Required<Pick<Backend, K>>, { common, input, dy }).map((handle) => new Tensor(backend, handle));
  if (hasLengths) grads.push(null);
  return grads;
}
