/**
 * scatterAdd along one axis, gather-style: one invocation per OUTPUT element, which
 * adds every update whose index points at it, in index order (deterministic, and the
 * reference's summation order; no float atomics needed). Cost O(outputs · nIdx): fine
 * for embedding backward at moderate vocabulary sizes, see the README's limits.
 *
 *     x [outer, axisSize, inner], indices [nIdx] (flattened), updates [outer, nIdx, inner]
 *     bindings: 1 x, 2 indices (i32), 3 updates (read), 4 out (read_write)
 *     uniforms: indexingParams (gather.wgsl.ts; n outputs, indexCount nIdx, axisSize, inner)
 *     out[o, j, i] = x[o, j, i] + Σ_{k: indices[k] = j} updates[o, k, i]   (int32 wraps)
 */
import type { DType } from '@cellstate/tensor';
import type { KernelSpec } from './kernel-spec.js';
import { INDEXING_MAIN, indexingParams } from './gather.wgsl.js';
import { PREAMBLE, storage } from './preamble.wgsl.js';

export const scatterAddKernel: KernelSpec<{ dtype: DType }> = {
  name: 'scatter-add',
  key: (c) => `scatter-add:${c.dtype}`,
  wgsl: (c) => {
    const t = c.dtype === 'int32' ? 'i32' : 'f32';
    return `${PREAMBLE}
${indexingParams.wgsl}
${storage(1, 'x', t, 'read')}
${storage(2, 'indices', 'i32', 'read')}
${storage(3, 'updates', t, 'read')}
${storage(4, 'out', t, 'read_write')}

${INDEXING_MAIN}
  let j = i32((f / inner) % axisSize);
  let o = f / (inner * axisSize);
  var acc = x[f];
  for (var k = 0u; k < nIdx; k++) {
    if (indices[k] == j) { acc = acc + updates[(o * nIdx + k) * inner + i]; }
  }
  out[f] = acc;
}
`;
  },
};
