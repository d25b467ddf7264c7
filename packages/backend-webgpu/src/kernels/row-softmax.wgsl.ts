/**
 * The shared first half of the row-wise softmax kernels (softmax cross-entropy, log-softmax):
 * one workgroup of 64 per row finds m = max (NaN propagates) and s = Σ exp(x - m) with
 * tree reductions in workgroup memory. `load(k)` is the WGSL expression of the row's k-th
 * value; the code leaves `mx` and `total` in scope, and defines `valid`, `C`, `width`,
 * `row` and `n` (the row index) for the caller's second half. Both kernels take
 * `rowSoftmaxParams` as their uniforms.
 */
import { uniformStruct } from './uniform-struct.js';

/** N rows of C columns. */
export const rowSoftmaxParams = uniformStruct({ rows: 'u32', cols: 'u32' });

const ROW_SOFTMAX_DECLS = /* wgsl */ `
var<workgroup> red: array<f32, 64>;

fn max_nan(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return f32_nan(); }
  return select(b, a, a > b);
}`;

/** The workgroup declarations and the opening of `main`, through the row's max and sum. */
export function rowSoftmaxMain(load: (k: string) => string): string {
  return /* wgsl */ `${ROW_SOFTMAX_DECLS}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = group_index(wid, nwg);
  let valid = n < u.rows;
  let C = u.cols;
  let width = select(0u, C, valid);
  let row = n * C;
  var m = -f32_inf();
  for (var k = lid; k < width; k = k + 64u) { m = max_nan(m, ${load('k')}); }
  red[lid] = m;
  workgroupBarrier();
  for (var step = 32u; step > 0u; step = step >> 1u) {
    if (lid < step) { red[lid] = max_nan(red[lid], red[lid + step]); }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  var s = 0.0;
  for (var k = lid; k < width; k = k + 64u) { s = s + exp_acc(${load('k')} - mx); }
  red[lid] = s;
  workgroupBarrier();
  for (var step = 32u; step > 0u; step = step >> 1u) {
    if (lid < step) { red[lid] = red[lid] + red[lid + step]; }
    workgroupBarrier();
  }
  let total = red[0];`;
}
