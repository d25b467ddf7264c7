/**
 * Row-wise log-softmax over the last axis. Letters: N rows, C columns.
 *
 *     bindings: 1 x [N, C] (read), 2 y [N, C] (read_write)
 *     uniforms: [0] N, [1] C
 *
 * One workgroup of 64 per row: m = max (NaN propagates), s = Σ exp(x - m) (tree sums in
 * workgroup memory), y = (x - m) - log s, the reference composition's formula (a -Inf
 * entry gives -Inf, a row of -Inf gives NaN). Grid: N workgroups (2-D).
 */
import type { KernelSpec } from './kernel-spec.js';
import { PREAMBLE, storage } from './preamble.wgsl.js';

export const logSoftmaxKernel: KernelSpec<Record<string, never>> = {
  name: 'log-softmax',
  key: () => 'log-softmax',
  wgsl: () => `${PREAMBLE}
${storage(1, 'x', 'f32', 'read')}
${storage(2, 'y', 'f32', 'read_write')}
var<workgroup> red: array<f32, 64>;

fn max_nan(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return f32_nan(); }
  return select(b, a, a > b);
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = group_index(wid, nwg);
  let valid = n < U(0u);
  let C = U(1u);
  let width = select(0u, C, valid);
  let row = n * C;
  var m = -f32_inf();
  for (var k = lid; k < width; k = k + 64u) { m = max_nan(m, x[row + k]); }
  red[lid] = m;
  workgroupBarrier();
  for (var step = 32u; step > 0u; step = step >> 1u) {
    if (lid < step) { red[lid] = max_nan(red[lid], red[lid + step]); }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  var s = 0.0;
  for (var k = lid; k < width; k = k + 64u) { s = s + exp_acc(x[row + k] - mx); }
  red[lid] = s;
  workgroupBarrier();
  for (var step = 32u; step > 0u; step = step >> 1u) {
    if (lid < step) { red[lid] = red[lid] + red[lid + step]; }
    workgroupBarrier();
  }
  let l = log_acc(red[0]);
  for (var k = lid; k < width; k = k + 64u) { y[row + k] = (x[row + k] - mx) - l; }
}
`,
};
