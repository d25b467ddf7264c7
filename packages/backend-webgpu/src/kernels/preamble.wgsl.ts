/**
 * WGSL shared by every kernel (each adds its own uniform struct, uniform-struct.ts):
 * NaN/Inf tests by bit pattern (compilers may assume no NaN in `x != x`), and activations with the
 * reference's semantics and float32 accuracy a few ulp:
 *
 * - `exp_acc`: Cody-Waite range reduction (k·ln2 split in two parts) and a degree-7
 *   polynomial, scaled by two `ldexp`s; ≈1-2 ulp, exact 0 / +Inf at under/overflow.
 *   The builtin `exp` may be off by 3 + 2·|x| ulp (WGSL spec), too much for exp(80).
 * - `tanh_acc`: 1 - 2/(e^{2|x|} + 1) with the sign restored, x itself near 0, ±1 past 9.1.
 * - `sigmoid_acc`: the two-sided stable formula of the reference backend.
 * - `log_acc`: the builtin `log` with the special cases (x < 0, 0, +Inf, NaN) made explicit.
 * Infinities are built at run time from a private word: a constant expression that
 * evaluates to Inf or NaN is a shader-creation error in WGSL.
 */
export const PREAMBLE = /* wgsl */ `
var<private> INF_BITS: u32 = 0x7f800000u;
fn f32_inf() -> f32 { return bitcast<f32>(INF_BITS); }
fn f32_nan() -> f32 { return bitcast<f32>(INF_BITS | 0x00400000u); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn i32_min() -> i32 { return bitcast<i32>(0x80000000u); }

// Linear workgroup index of a 2-D grid (see grid() in kernel-spec.ts).
fn group_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }

fn exp_acc(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72283935546875) { return f32_inf(); }
  if (x < -103.97208) { return 0.0; }
  let k = round(x * 1.4426950408889634);
  let r = (x - k * 0.693145751953125) - k * 1.4286067653301870e-6;
  var p = 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  let ki = i32(k);
  let k1 = ki / 2;
  return ldexp(ldexp(p, k1), ki - k1);
}

fn log_acc(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return f32_nan(); }
  if (x == 0.0) { return -f32_inf(); }
  if (is_inf(x)) { return x; }
  return log(x);
}

fn sqrt_acc(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return f32_nan(); }
  if (x == 0.0 || is_inf(x)) { return x; }
  return sqrt(x);
}

fn sigmoid_acc(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x >= 0.0) { return 1.0 / (1.0 + exp_acc(-x)); }
  let e = exp_acc(x);
  return e / (1.0 + e);
}

fn tanh_acc(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  if (a > 9.1) { return select(1.0, -1.0, x < 0.0); }
  if (a < 0.0004) { return x; }
  let t = 1.0 - 2.0 / (exp_acc(2.0 * a) + 1.0);
  return select(t, -t, x < 0.0);
}
`;

/**
 * The opening of `main` in kernels with one invocation per element: i over the 2-D grid
 * of kernel-spec.ts's `elementGrid` (64 per workgroup), returning past the uniform `n`.
 */
export const ELEMENT_MAIN = /* wgsl */ `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= u.n) { return; }`;

/** Stable binding declarations: `storage(1, 'a', 'f32', 'read')`. */
export function storage(binding: number, name: string, type: 'f32' | 'i32' | 'u32', access: 'read' | 'read_write'): string {
  return `@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<${type}>;`;
}
