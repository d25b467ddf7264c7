/**
 * Elementwise kernels generated from one op table (webgpu-torch `op_table.ts`, tfjs
 * `unary_op_webgpu.ts`): unary, binary, compare, where and the two casts.
 *
 * One invocation per output element (workgroup 64, 2-D grid for > 4M elements):
 *
 *     bindings: 1 a, [2 b, [3 c]] (read), last: out (read_write)
 *     uniforms: elementwiseParams (n, and for 'strided': rank, out shape, a/b/c strides)
 *
 * `layout: 'contiguous'` reads every input at the output index (same shapes);
 * `'strided'` walks the (coalesced) broadcast strides. Semantics follow the reference
 * backend exactly: NaN propagates through maximum, where() tests the condition's bits
 * (NaN and -0 handled), int32 arithmetic wraps (WGSL runtime i32 ops wrap), casts
 * truncate/clamp float -> int and round int -> float to nearest even by bit arithmetic.
 */
import type { DType } from '@cellstate/tensor';
import type { KernelSpec } from './kernel-spec.js';
import { ELEMENT_MAIN, PREAMBLE, storage } from './preamble.wgsl.js';
import { stridedOffsets, uniformStruct } from './uniform-struct.js';

export const elementwiseParams = uniformStruct({
  n: 'u32',
  rank: 'u32',
  shape: 'dims',
  aStrides: 'dims',
  bStrides: 'dims',
  cStrides: 'dims',
});

export type ElementwiseOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'sigmoid' | 'relu' | 'abs'
  | 'add' | 'sub' | 'mul' | 'div' | 'maximum'
  | 'greater' | 'equal'
  | 'where'
  | 'castToInt32' | 'castToFloat32';

type WgslType = 'f32' | 'i32' | 'u32';

interface OpRow {
  arity: 1 | 2 | 3;
  /** WGSL expression per input dtype, over `a`, `b`, `c`; absent = dtype not taken. */
  float32?: string;
  int32?: string;
  /** Storage types: inputs and output, per input dtype. */
  types(dtype: DType): { inputs: WgslType[]; output: WgslType };
}

const same = (dtype: DType): WgslType => (dtype === 'int32' ? 'i32' : 'f32');
const unaryTypes = (dtype: DType) => ({ inputs: [same(dtype)], output: same(dtype) });
const binaryTypes = (dtype: DType) => ({ inputs: [same(dtype), same(dtype)], output: same(dtype) });
const compareTypes = (dtype: DType) => ({ inputs: [same(dtype), same(dtype)], output: 'f32' as WgslType });

/** The op table. */
export const ELEMENTWISE_OPS: Readonly<Record<ElementwiseOp, OpRow>> = {
  neg: { arity: 1, float32: 'bitcast<f32>(bitcast<u32>(a) ^ 0x80000000u)', int32: '-a', types: unaryTypes },
  abs: { arity: 1, float32: 'bitcast<f32>(bitcast<u32>(a) & 0x7fffffffu)', int32: 'abs(a)', types: unaryTypes },
  relu: { arity: 1, float32: 'select(select(0.0, a, a > 0.0), a, is_nan(a))', int32: 'max(a, 0)', types: unaryTypes },
  exp: { arity: 1, float32: 'exp_acc(a)', types: unaryTypes },
  log: { arity: 1, float32: 'log_acc(a)', types: unaryTypes },
  sqrt: { arity: 1, float32: 'sqrt_acc(a)', types: unaryTypes },
  tanh: { arity: 1, float32: 'tanh_acc(a)', types: unaryTypes },
  sigmoid: { arity: 1, float32: 'sigmoid_acc(a)', types: unaryTypes },

  add: { arity: 2, float32: 'a + b', int32: 'a + b', types: binaryTypes },
  sub: { arity: 2, float32: 'a - b', int32: 'a - b', types: binaryTypes },
  mul: { arity: 2, float32: 'a * b', int32: 'a * b', types: binaryTypes },
  // int32 div is outside the contract; it truncates and gives 0 for x / 0 like the reference.
  div: { arity: 2, float32: 'a / b', int32: 'select(a / b, 0, b == 0)', types: binaryTypes },
  maximum: { arity: 2, float32: 'select(select(b, a, a > b), f32_nan(), is_nan(a) || is_nan(b))', int32: 'max(a, b)', types: binaryTypes },

  greater: { arity: 2, float32: 'select(0.0, 1.0, !is_nan(a) && !is_nan(b) && a > b)', int32: 'select(0.0, 1.0, a > b)', types: compareTypes },
  equal: { arity: 2, float32: 'select(0.0, 1.0, !is_nan(a) && !is_nan(b) && a == b)', int32: 'select(0.0, 1.0, a == b)', types: compareTypes },

  // Bits in, bits out: values pass through untouched (NaN payloads, -0, denormals).
  where: {
    arity: 3,
    float32: 'select(c, b, (a & 0x7fffffffu) != 0u)',
    int32: 'select(c, b, (a & 0x7fffffffu) != 0u)',
    types: () => ({ inputs: ['u32', 'u32', 'u32'], output: 'u32' }),
  },

  castToInt32: { arity: 1, float32: 'f32_to_i32(a)', types: () => ({ inputs: ['f32'], output: 'i32' }) },
  castToFloat32: { arity: 1, int32: 'i32_to_f32_bits(a)', types: () => ({ inputs: ['i32'], output: 'u32' }) },
};

/** Helpers only the casts need. */
const CAST_HELPERS = /* wgsl */ `
fn f32_to_i32(x: f32) -> i32 {
  if (is_nan(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  if (x <= -2147483648.0) { return i32_min(); }
  return i32(x);
}

// int32 -> float32 rounded to nearest, ties to even, built from the bits.
fn i32_to_f32_bits(v: i32) -> u32 {
  if (v == 0) { return 0u; }
  let negative = v < 0;
  let m = select(bitcast<u32>(v), ~bitcast<u32>(v) + 1u, negative);
  let lead = firstLeadingBit(m);
  var bits: u32;
  if (lead <= 23u) {
    bits = ((lead + 127u) << 23u) | ((m << (23u - lead)) & 0x7fffffu);
  } else {
    let shift = lead - 23u;
    var mant = m >> shift;
    let rest = m & ((1u << shift) - 1u);
    let half = 1u << (shift - 1u);
    if (rest > half || (rest == half && (mant & 1u) == 1u)) { mant = mant + 1u; }
    var e = lead;
    if (mant == (1u << 24u)) { mant = mant >> 1u; e = e + 1u; }
    bits = ((e + 127u) << 23u) | (mant & 0x7fffffu);
  }
  return bits | select(0u, 0x80000000u, negative);
}
`;

export interface ElementwiseConfig {
  op: ElementwiseOp;
  /** dtype of the inputs (for where: of a and b). */
  dtype: DType;
  layout: 'contiguous' | 'strided';
}

const NAMES = ['a', 'b', 'c'] as const;

export const elementwiseKernel: KernelSpec<ElementwiseConfig> = {
  name: 'elementwise',
  // where moves bits: its text does not depend on the dtype.
  key: (c) => `elementwise:${c.op}:${c.op === 'where' ? 'bits' : c.dtype}:${c.layout}`,
  wgsl(c) {
    const row = ELEMENTWISE_OPS[c.op];
    const expr = row[c.dtype];
    if (expr === undefined) throw new Error(`elementwise: ${c.op} does not take ${c.dtype}`);
    const types = row.types(c.dtype);
    const inputs = NAMES.slice(0, row.arity);
    const decls = inputs.map((name, k) => storage(k + 1, `in_${name}`, types.inputs[k]!, 'read')).join('\n');
    const out = storage(row.arity + 1, 'out', types.output, 'read_write');
    let index: string;
    if (c.layout === 'contiguous') {
      index = inputs.map((name) => `  let ${name} = in_${name}[i];`).join('\n');
    } else {
      index = [
        ...inputs.map((name) => `  var o_${name} = 0u;`),
        stridedOffsets('i', 'u.rank', 'shape', Object.fromEntries(inputs.map((name) => [`o_${name}`, `${name}Strides`]))),
        ...inputs.map((name) => `  let ${name} = in_${name}[o_${name}];`),
      ].join('\n');
    }
    return `${PREAMBLE}
${elementwiseParams.wgsl}
${c.op.startsWith('cast') ? CAST_HELPERS : ''}
${decls}
${out}

${ELEMENT_MAIN}
${index}
  out[i] = ${expr};
}
`;
  },
};
