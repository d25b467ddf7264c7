/**
 * Fused Adam / AdamW step, elementwise (as torch.optim.Adam / AdamW):
 *
 *     g = grad (+ l2·param);  m' = β1·m + (1-β1)·g;  v' = β2·v + (1-β2)·g²
 *     param' = param·decay - stepSize · m' / (sqrt(v') / sqrt(1-β2^step) + ε)
 *
 *     bindings: 1 param, 2 grad, 3 m, 4 v (read), 5 param', 6 m', 7 v' (read_write)
 *     uniforms: [0] n, [2] β1, [3] β2, [4] ε, [5] l2 (Adam weight decay, else 0),
 *               [6] decay (1 - lr·wd for AdamW, else 1), [7] stepSize = lr / (1-β1^step),
 *               [8] sqrt(1-β2^step), [9] 1-β1, [10] 1-β2   (floats as bits)
 */
import type { KernelSpec } from './kernel-spec.js';
import { PREAMBLE, storage } from './preamble.wgsl.js';

export const adamStepKernel: KernelSpec<Record<string, never>> = {
  name: 'adam-step',
  key: () => 'adam-step',
  wgsl: () => `${PREAMBLE}
${storage(1, 'param', 'f32', 'read')}
${storage(2, 'grad', 'f32', 'read')}
${storage(3, 'm', 'f32', 'read')}
${storage(4, 'v', 'f32', 'read')}
${storage(5, 'paramOut', 'f32', 'read_write')}
${storage(6, 'mOut', 'f32', 'read_write')}
${storage(7, 'vOut', 'f32', 'read_write')}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= U(0u)) { return; }
  let p0 = param[i];
  let l2 = UF(5u);
  var g = grad[i];
  if (l2 != 0.0) { g = g + p0 * l2; }
  let mk = UF(2u) * m[i] + UF(9u) * g;
  let vk = UF(3u) * v[i] + UF(10u) * g * g;
  paramOut[i] = p0 * UF(6u) - (mk / (sqrt_acc(vk) / UF(8u) + UF(4u))) * UF(7u);
  mOut[i] = mk;
  vOut[i] = vk;
}
`,
};
