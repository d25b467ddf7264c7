import { normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/no-grad.js';
import { record } from '../autograd/tape.js';
import { exp, log, sub, div } from './elementwise.js';
import { wrap } from './util.js';
import { max, sum } from './reduce.js';
import { scope } from '../memory.js';

/**
 * softmax along `axis` (default last), computed as exp(x - max) / sum for stability.
 *
 * @example
 * ```ts
 * softmax(tensor([[1, 2, 3]])); // [[0.090, 0.245, 0.665]]
 * ```
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const [a] = normalizeAxes('softmax', axis, x.rank);
  return scope(() => {
    const m = noGrad(() => max(x, a, { keepDims: true }));
    const e = exp(sub(x, m));
    return div(e, sum(e, a, { keepDims: true }));
  });
}

/**
 * log(softmax(x)) along `axis` (default last), as x - max - log(sum(exp(x - max))).
 * Over the last axis, backends with the fused kernel compute it in one call (three
 * passes over each row, no intermediate tensors); its gradient is dy - softmax · Σ dy.
 *
 * @example
 * ```ts
 * logSoftmax(tensor([[1, 2, 3]])); // [[-2.408, -1.408, -0.408]]
 * ```
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const [a] = normalizeAxes('logSoftmax', axis, x.rank);
  const backend = x.backend;
  if (a === x.rank - 1 && x.dtype === 'float32' && backend.capabilities.fused.logSoftmax && backend.logSoftmax) {
    const y = wrap(backend, backend.logSoftmax({ x: x.handleFor('logSoftmax') }));
    record('logSoftmax', [x], [y], {}, { inputs: [], outputs: true });
    return y;
  }
  return logSoftmaxReference(x, a);
}

/** The composition from primitives (what backends without the fused kernel run). */
export function logSoftmaxReference(x: Tensor, axis = -1): Tensor {
  const [a] = normalizeAxes('logSoftmax', axis, x.rank);
  return scope(() => {
    // The max is a constant shift: treating it as such keeps the gradient exact and cheap.
    const m = noGrad(() => max(x, a, { keepDims: true }));
    const shifted = sub(x, m);
    return sub(shifted, log(sum(exp(shifted), a, { keepDims: true })));
  });
}
