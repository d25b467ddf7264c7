// Vector activations for the fused LSTM kernels (f32x4, no allocation, no imports).

/**
 * x clamped to [lo, hi], NaN kept: pmax/pmin are one instruction each (maxps, minps) where
 * f32x4.max/min cost about seven for their NaN and ±0 rules, and with x first a NaN x
 * comes through (pmax(a, b) = a < b ? b : a).
 */
@inline function clamp(x: v128, lo: f32, hi: f32): v128 {
  return f32x4.pmin(f32x4.pmax(x, f32x4.splat(lo)), f32x4.splat(hi));
}

/** e^x: Cephes' expf (range reduction by ln 2, degree-6 polynomial), inputs clamped to [-87, 88]. NaN stays NaN. */
@inline export function vexp(x: v128): v128 {
  x = clamp(x, -87.0, 88.0);
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(n, f32x4.splat(2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  // 2^n from the exponent bits (n in [-126, 127] after the clamp). n + 1.5·2^23 holds n
  // in its low mantissa bits, so an integer subtract reads it: three instructions where
  // i32x4.trunc_sat_f32x4_s costs V8 about eight on x64.
  const magic = f32x4.splat(12582912.0);
  const ni = i32x4.sub(f32x4.add(n, magic), magic);
  const pow2n = i32x4.shl(i32x4.add(ni, i32x4.splat(127)), 23);
  return f32x4.mul(p, pow2n);
}

/** 1 / (1 + e^-x): saturates to 0 and 1 without overflow. */
@inline export function vsigmoid(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(x))));
}

/**
 * tanh(x): Eigen's rational approximation (odd degree-13 over even degree-6 polynomial),
 * input clamped to ±7.90531110763549805 where tanh rounds to ±1 in float32.
 */
@inline export function vtanh(x: v128): v128 {
  x = clamp(x, -7.90531110763549805, 7.90531110763549805);
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(5.12229709037114e-8));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.48572235717979e-5));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(6.37261928875436e-4));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(4.89352455891786e-3));
  p = f32x4.mul(p, x);
  let q = f32x4.splat(1.19825839466702e-6);
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(1.18534705686654e-4));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(2.26843463243900e-3));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(4.89352518554385e-3));
  return f32x4.div(p, q);
}

// Exported for the accuracy tests (one value through the vector code).
export function sigmoidf(x: f32): f32 {
  return f32x4.extract_lane(vsigmoid(f32x4.splat(x)), 0);
}
export function tanhf(x: f32): f32 {
  return f32x4.extract_lane(vtanh(f32x4.splat(x)), 0);
}
