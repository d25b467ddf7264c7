/**
 * Counter-based random numbers: Threefry-2x32 with 20 rounds, bit-identical to
 * `@cellstate/tensor`'s random-bits.ts. Element i draws counter (i, 0) under key
 * (seed low word, seed high word); uniform = (bits >> 8) · 2^-24.
 *
 *     bindings: 1 out (read_write, f32)
 *     uniforms: randomParams (n, key0 / key1 = k0 / k1, threshold t: bernoulli only)
 *     uniform:   out[i] = f32(bits >> 8) · 2^-24
 *     bernoulli: out[i] = (bits >> 8) < t ? 1 : 0, with t = ceil(p · 2^24) clamped to
 *                [0, 2^24], which equals u < p for the double p exactly.
 */
import type { KernelSpec } from './kernel-spec.js';
import { ELEMENT_MAIN, PREAMBLE, storage } from './preamble.wgsl.js';
import { uniformStruct } from './uniform-struct.js';

export const randomParams = uniformStruct({ n: 'u32', key0: 'u32', key1: 'u32', threshold: 'u32' });

export const randomKernel: KernelSpec<{ distribution: 'uniform' | 'bernoulli' }> = {
  name: 'random',
  key: (c) => `random:${c.distribution}`,
  wgsl: (c) => `${PREAMBLE}
${randomParams.wgsl}
${storage(1, 'out', 'f32', 'read_write')}

fn rotl(x: u32, r: u32) -> u32 { return (x << r) | (x >> (32u - r)); }

fn threefry2x32(k0: u32, k1: u32, c0: u32, c1: u32) -> u32 {
  var ks = array<u32, 3>(k0, k1, 0x1bd11bdau ^ k0 ^ k1);
  var rotations = array<u32, 8>(13u, 15u, 26u, 6u, 17u, 29u, 16u, 24u);
  var x0 = c0 + k0;
  var x1 = c1 + k1;
  for (var block = 0u; block < 5u; block++) {
    let base = (block & 1u) * 4u;
    for (var r = 0u; r < 4u; r++) {
      x0 = x0 + x1;
      x1 = rotl(x1, rotations[base + r]);
      x1 = x1 ^ x0;
    }
    x0 = x0 + ks[(block + 1u) % 3u];
    x1 = x1 + ks[(block + 2u) % 3u] + block + 1u;
  }
  return x0;
}

${ELEMENT_MAIN}
  let top = threefry2x32(u.key0, u.key1, i, 0u) >> 8u;
  ${c.distribution === 'uniform' ? 'out[i] = f32(top) * 5.9604644775390625e-8;' : 'out[i] = select(0.0, 1.0, top < u.threshold);'}
}
`,
};
