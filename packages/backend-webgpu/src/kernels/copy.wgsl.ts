/**
 * Data movement as 32-bit copies (dtype-free, bit exact): one strided-copy kernel
 * serves transpose, slice, concat (one dispatch per piece) and the interior of pad;
 * a fill kernel writes one bit pattern (fill, the border of pad).
 *
 * strided copy, one invocation per element of the index space `shape`:
 *     bindings: 1 src (read), 2 dst (read_write)
 *     uniforms: [0] n, [1] rank, [2] src offset, [3] dst offset,
 *               [8+d] shape, [16+d] src strides, [24+d] dst strides
 *     dst[dstOffset + Σ idx·dstStride] = src[srcOffset + Σ idx·srcStride]
 *
 * fill: bindings 1 dst; uniforms [0] n, [1] bits, [2] offset: dst[offset + i] = bits.
 */
import type { KernelSpec } from './kernel-spec.js';
import { PREAMBLE, storage } from './preamble.wgsl.js';

export const stridedCopyKernel: KernelSpec<Record<string, never>> = {
  name: 'strided-copy',
  key: () => 'strided-copy',
  wgsl: () => `${PREAMBLE}
${storage(1, 'src', 'u32', 'read')}
${storage(2, 'dst', 'u32', 'read_write')}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= U(0u)) { return; }
  var s = U(2u);
  var t = U(3u);
  var rest = i;
  for (var d = i32(U(1u)) - 1; d >= 0; d--) {
    let dim = u32(d);
    let size = U(8u + dim);
    let k = rest % size;
    rest = rest / size;
    s = s + k * U(16u + dim);
    t = t + k * U(24u + dim);
  }
  dst[t] = src[s];
}
`,
};

export const fillKernel: KernelSpec<Record<string, never>> = {
  name: 'fill',
  key: () => 'fill',
  wgsl: () => `${PREAMBLE}
${storage(1, 'dst', 'u32', 'read_write')}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= U(0u)) { return; }
  dst[U(2u) + i] = U(1u);
}
`,
};
