/**
 * Data movement as 32-bit copies (dtype-free, bit exact): one strided-copy kernel
 * serves transpose, slice, concat (one dispatch per piece) and the interior of pad;
 * a fill kernel writes one bit pattern (fill, the border of pad).
 *
 * strided copy, one invocation per element of the index space `shape`:
 *     bindings: 1 src (read), 2 dst (read_write); uniforms: stridedCopyParams
 *     dst[dstOffset + Σ idx·dstStrides] = src[srcOffset + Σ idx·srcStrides]
 *
 * fill: bindings 1 dst; uniforms fillParams: dst[offset + i] = bits.
 */
import { fixedKernel } from './fixed-kernel.js';
import { ELEMENT_MAIN, storage } from './preamble.wgsl.js';
import { stridedOffsets, uniformStruct } from './uniform-struct.js';

export const stridedCopyParams = uniformStruct({
  n: 'u32',
  rank: 'u32',
  srcOffset: 'u32',
  dstOffset: 'u32',
  shape: 'dims',
  srcStrides: 'dims',
  dstStrides: 'dims',
});

export const fillParams = uniformStruct({ n: 'u32', bits: 'u32', offset: 'u32' });

export const stridedCopyKernel = fixedKernel('strided-copy', stridedCopyParams, `${storage(1, 'src', 'u32', 'read')}
${storage(2, 'dst', 'u32', 'read_write')}

${ELEMENT_MAIN}
  var s = u.srcOffset;
  var t = u.dstOffset;
${stridedOffsets('i', 'u.rank', 'shape', { s: 'srcStrides', t: 'dstStrides' })}
  dst[t] = src[s];
}
`);

export const fillKernel = fixedKernel('fill', fillParams, `${storage(1, 'dst', 'u32', 'read_write')}

${ELEMENT_MAIN}
  dst[u.offset + i] = u.bits;
}
`);
