/**
 * gather along one axis, as 32-bit copies. x is seen as [outer, axisSize, inner], the
 * output as [outer, nIdx, inner]; one invocation per output element:
 *
 *     bindings: 1 x (read, u32 bits), 2 indices (read, i32), 3 out (read_write, u32 bits)
 *     uniforms: indexingParams (n outputs, indexCount nIdx, axisSize, inner)
 *     out[o, k, i] = 0 <= j < axisSize ? x[o, j, i] : 0   with j = indices[k]
 */
import { fixedKernel } from './fixed-kernel.js';
import { storage } from './preamble.wgsl.js';
import { uniformStruct } from './uniform-struct.js';

/** The uniforms of gather and scatterAdd: the tensor seen as [outer, axisSize, inner]. */
export const indexingParams = uniformStruct({ n: 'u32', indexCount: 'u32', axisSize: 'u32', inner: 'u32' });

/**
 * The opening of gather's and scatterAdd's `main`: one invocation per output element f
 * (grid as kernel-spec.ts's `grid`, 64 per workgroup), the uniforms as locals and the
 * inner index i.
 */
export const INDEXING_MAIN = /* wgsl */ `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let f = gid.x + gid.y * nwg.x * 64u;
  if (f >= u.n) { return; }
  let nIdx = u.indexCount;
  let axisSize = u.axisSize;
  let inner = u.inner;
  let i = f % inner;`;

export const gatherKernel = fixedKernel('gather', indexingParams, `${storage(1, 'x', 'u32', 'read')}
${storage(2, 'indices', 'i32', 'read')}
${storage(3, 'out', 'u32', 'read_write')}

${INDEXING_MAIN}
  let k = (f / inner) % nIdx;
  let o = f / (inner * nIdx);
  let j = indices[k];
  var v = 0u;
  if (j >= 0 && u32(j) < axisSize) { v = x[(o * axisSize + u32(j)) * inner + i]; }
  out[f] = v;
}
`);
