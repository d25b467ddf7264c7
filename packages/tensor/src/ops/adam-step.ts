import { noGrad } from '../autograd/no-grad.js';
import { adamStepReference } from '../backend/fused-reference.js';
import type { AdamStepArgs } from '../backend/fused-ops.js';
import { ArgumentError, DTypeError, ShapeError } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, wrap } from './util.js';

export type AdamStepInput = Omit<AdamStepArgs, 'param' | 'grad' | 'm' | 'v' | 'gradScale'> & {
  param: Tensor;
  grad: Tensor;
  m: Tensor;
  v: Tensor;
  /** Multiplies the gradient first (a float32 scalar, e.g. a clipping coefficient). */
  gradScale?: Tensor;
};

/**
 * One Adam (or AdamW with `decoupledWeightDecay`) update, as PyTorch computes it.
 * Returns new param, m and v; the caller swaps them in and disposes the old ones.
 * With `donate` the backend may write them into the storage of the old ones (which the
 * caller must then dispose and never read again). Never recorded on the tape.
 *
 * @example
 * ```ts
 * const next = adamStep({ param: w, grad: g, m, v, step: 1, learningRate: 1e-3,
 *   beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false });
 * ```
 */
export function adamStep(args: AdamStepInput): { param: Tensor; m: Tensor; v: Tensor } {
  const backend = backendOf('adamStep', [args.param, args.grad, args.m, args.v]);
  for (const [name, t] of [['grad', args.grad], ['m', args.m], ['v', args.v]] as const) {
    if (!shapesEqual(t.shape, args.param.shape)) {
      throw new ShapeError({ op: 'adamStep', detail: `${name} must have the shape of param`, expected: [...args.param.shape], actual: [...t.shape] });
    }
  }
  if (!(args.step >= 1)) throw new ArgumentError('adamStep', `step counts from 1, got ${args.step}`);
  const scale = args.gradScale;
  if (scale) {
    backendOf('adamStep', [args.param, scale]);
    if (scale.size !== 1 || scale.rank > 1) throw new ShapeError({ op: 'adamStep', detail: 'gradScale must be a scalar', expected: [], actual: [...scale.shape] });
    if (scale.dtype !== 'float32') throw new DTypeError({ op: 'adamStep', detail: 'gradScale must be float32', expected: 'float32', actual: scale.dtype });
  }
  return noGrad(() => {
    if (backend.capabilities.fused.adamStep && backend.adamStep) {
      const handles = { param: args.param.handleFor('adamStep'), grad: args.grad.handleFor('adamStep'), m: args.m.handleFor('adamStep'), v: args.v.handleFor('adamStep') };
      const { gradScale: _, ...rest } = args;
      const r = backend.adamStep({ ...rest, ...handles, ...(scale ? { gradScale: scale.handleFor('adamStep') } : {}) });
      return { param: wrap(backend, r.param), m: wrap(backend, r.m), v: wrap(backend, r.v) };
    }
    return adamStepReference(args);
  });
}
