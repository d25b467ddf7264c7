/**
 * Reductions: sum, sum of squares, max (over any set of axes) and argmax (over one axis).
 *
 * One workgroup of 64 invocations per output element: each invocation folds a strided
 * share of the reduced elements, then a tree in workgroup memory combines the 64
 * partial results. The input is seen as kept dimensions (the output index) and reduced
 * dimensions, each coalesced:
 *
 *     bindings: 1 x (read), 2 out (read_write)
 *     uniforms: reduceParams (count = R, the reduced elements per output)
 *
 * sum: 0 for an empty reduction; int32 wraps. max: NaN if any element is NaN, -Inf
 * (float32) or INT32_MIN (int32) when empty. argmax: the first maximum; the first NaN
 * counts as the maximum; ties between partial results go to the lower index.
 */
import type { DType } from '@cellstate/tensor';
import type { KernelSpec } from './kernel-spec.js';
import { PREAMBLE, storage } from './preamble.wgsl.js';
import { stridedOffsets, uniformStruct } from './uniform-struct.js';

export const reduceParams = uniformStruct({
  outputs: 'u32',
  count: 'u32',
  keptRank: 'u32',
  reducedRank: 'u32',
  xOffset: 'u32',
  outOffset: 'u32',
  keptShape: 'dims',
  keptStrides: 'dims',
  reducedShape: 'dims',
  reducedStrides: 'dims',
});

export interface ReduceConfig {
  /** sumsq: Σ x² (each element squared as it is read, then summed like sum). */
  op: 'sum' | 'max' | 'argmax' | 'sumsq';
  dtype: DType;
}

const WG = 64;

/**
 * WGSL `fn <part>_offset(base, r) -> u32`: base plus the element offset of index r of the
 * reduced (or kept) dimensions, from the uniforms `<part>Rank`, `<part>Shape`, `<part>Strides`.
 */
function offsetFunction(part: 'reduced' | 'kept'): string {
  return /* wgsl */ `fn ${part}_offset(base: u32, r: u32) -> u32 {
  var o = base;
${stridedOffsets('r', `u.${part}Rank`, `${part}Shape`, { o: `${part}Strides` })}
  return o;
}`;
}

export const reduceKernel: KernelSpec<ReduceConfig> = {
  name: 'reduce',
  key: (c) => `reduce:${c.op}:${c.dtype}`,
  wgsl(c) {
    const t = c.dtype === 'int32' ? 'i32' : 'f32';
    const isArg = c.op === 'argmax';
    const outType = isArg ? 'i32' : t;
    let init: string;
    let combine: string;
    if (c.op === 'sum' || c.op === 'sumsq') {
      init = c.dtype === 'int32' ? '0' : '0.0';
      combine = 'fn combine(x: T, y: T) -> T { return x + y; }';
    } else {
      init = c.dtype === 'int32' ? 'i32_min()' : '-f32_inf()';
      combine =
        c.dtype === 'int32'
          ? 'fn combine(x: T, y: T) -> T { return max(x, y); }'
          : 'fn combine(x: T, y: T) -> T { if (is_nan(x) || is_nan(y)) { return f32_nan(); } return select(y, x, x > y); }';
    }
    const nan = (v: string) => (c.dtype === 'int32' ? 'false' : `is_nan(${v})`);
    const body = isArg
      ? /* wgsl */ `
  // Per invocation: the first maximum of its share (indices increase), or its first NaN.
  var best = ${init};
  var bestIndex = 0xffffffffu;
  var sawNan = false;
  for (var r = lid; r < R; r = r + ${WG}u) {
    let v = x[reduced_offset(base, r)];
    if (${nan('v')}) { best = v; bestIndex = r; sawNan = true; break; }
    if (bestIndex == 0xffffffffu || v > best) { best = v; bestIndex = r; }
  }
  values[lid] = best;
  indices[lid] = bestIndex;
  nans[lid] = select(0u, 1u, sawNan);
  workgroupBarrier();
  for (var step = ${WG / 2}u; step > 0u; step = step >> 1u) {
    if (lid < step) {
      let j = lid + step;
      // Does partial j beat partial lid? NaN beats numbers; the lower index wins ties.
      let ia = indices[lid];
      let ib = indices[j];
      var take = false;
      if (ib != 0xffffffffu) {
        if (ia == 0xffffffffu) { take = true; }
        else if (nans[j] == 1u) { take = nans[lid] == 0u || ib < ia; }
        else if (nans[lid] == 0u) { take = values[j] > values[lid] || (values[j] == values[lid] && ib < ia); }
      }
      if (take) { values[lid] = values[j]; indices[lid] = ib; nans[lid] = nans[j]; }
    }
    workgroupBarrier();
  }
  if (lid == 0u && valid) { out[u.outOffset + g] = select(0, i32(indices[0]), indices[0] != 0xffffffffu); }`
      : /* wgsl */ `
  var acc = ${init};
  for (var r = lid; r < R; r = r + ${WG}u) {
    let v = x[reduced_offset(base, r)];
    acc = combine(acc, ${c.op === 'sumsq' ? 'v * v' : 'v'});
  }
  values[lid] = acc;
  workgroupBarrier();
  for (var step = ${WG / 2}u; step > 0u; step = step >> 1u) {
    if (lid < step) { values[lid] = combine(values[lid], values[lid + step]); }
    workgroupBarrier();
  }
  if (lid == 0u && valid) { out[u.outOffset + g] = values[0]; }`;
    return `${PREAMBLE}
${reduceParams.wgsl}
alias T = ${t};
${storage(1, 'x', t, 'read')}
${storage(2, 'out', outType, 'read_write')}
var<workgroup> values: array<T, ${WG}>;
${isArg ? `var<workgroup> indices: array<u32, ${WG}>;\nvar<workgroup> nans: array<u32, ${WG}>;` : ''}
${isArg ? '' : combine}

${offsetFunction('reduced')}

${offsetFunction('kept')}

@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = group_index(wid, nwg);
  let valid = g < u.outputs;
  let R = select(0u, u.count, valid);
  let base = kept_offset(u.xOffset, g);
${body}
}
`;
  },
};
