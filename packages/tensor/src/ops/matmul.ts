import { record } from '../autograd/tape.js';
import { matmulShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, checkDType, wrap } from './util.js';

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/**
 * Batched matrix product: a [..., M, K] x b [..., K, N] -> [..., M, N]; batch
 * dimensions broadcast. Transpose flags read an operand as its last two dims swapped
 * without materialising the transpose.
 *
 * @example
 * ```ts
 * const y = matmul(x, w, { transposeB: true }); // x [B, I], w [O, I] -> [B, O]
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const backend = backendOf('matmul', [a, b]);
  checkDType('matmul', a, ['float32'], 'a');
  checkDType('matmul', b, ['float32'], 'b');
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  matmulShape('matmul', a.shape, b.shape, transposeA, transposeB);
  const out = wrap(backend, backend.matmul(a.handleFor('matmul'), b.handleFor('matmul'), transposeA, transposeB));
  record('matmul', [a, b], [out], { transposeA, transposeB }, { inputs: 'all' });
  return out;
}
