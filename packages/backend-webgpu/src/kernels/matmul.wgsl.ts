/**
 * Batched matmul with transpose flags: c[z] = op(a[z]) · op(b[z]) (+ bias), float32.
 * Letters: M rows, N columns, K inner size; z the (broadcast) batch index.
 *
 *     a [..., M, K] or [..., K, M] (transposeA), b [..., K, N] or [..., N, K] (transposeB)
 *     bindings: 1 a, 2 b, [3 bias [N]] (read), last: c (read_write)
 *     uniforms: matmulParams (offsets in elements; batches and firstBatch: the slice of the
 *               batch index space this dispatch covers)
 *
 * Thread mapping: a 16×16 workgroup computes a 16×16 tile of c; per K-step of 16 it
 * stages one tile of a and one of b in workgroup memory (out-of-range cells read 0, so
 * K = 0 gives zeros and ragged edges need no special case). Grid: (⌈N/16⌉, ⌈M/16⌉, batches).
 * The offsets let the LSTM kernels multiply sections of larger buffers in place.
 */
import type { KernelSpec } from './kernel-spec.js';
import { PREAMBLE, storage } from './preamble.wgsl.js';
import { stridedOffsets, uniformStruct } from './uniform-struct.js';

export const matmulParams = uniformStruct({
  m: 'u32',
  n: 'u32',
  k: 'u32',
  batches: 'u32',
  aOffset: 'u32',
  bOffset: 'u32',
  cOffset: 'u32',
  batchRank: 'u32',
  batchShape: 'dims',
  aBatchStrides: 'dims',
  bBatchStrides: 'dims',
  firstBatch: 'u32',
  biasOffset: 'u32',
});

/** Sizes, the batch index z and the batch offsets aBase / bBase under broadcasting (both variants). */
const BATCH_PROLOGUE = /* wgsl */ `
  let M = u.m;
  let N = u.n;
  let K = u.k;
  let z = u.firstBatch + wid.z;
  var aBase = u.aOffset;
  var bBase = u.bOffset;
${stridedOffsets('z', 'u.batchRank', 'batchShape', { aBase: 'aBatchStrides', bBase: 'bBatchStrides' })}`;

export interface MatmulConfig {
  transposeA: boolean;
  transposeB: boolean;
  /** Adds bias[j] to every row (the LSTM input projection). */
  bias: boolean;
  /**
   * 'tiled': 16×16 tiles staged in workgroup memory (hardware GPUs).
   * 'blocked': no workgroup memory or barriers; each invocation computes a 4×4 block of
   * c straight from the (cached) inputs. Software adapters emulate barriers very
   * slowly (SwiftShader: ~100× slower than 'blocked'), so they get this one.
   */
  variant?: 'tiled' | 'blocked';
}

/** Outputs per invocation side in the 'blocked' variant, and invocations per workgroup side. */
export const MATMUL_BLOCK = 4;
export const MATMUL_BLOCK_GROUP = 8;

export const MATMUL_TILE = 16;

/** Preamble, uniforms and bindings (both variants): a, b, the optional bias, then c. */
function header(c: MatmulConfig): string {
  return `${PREAMBLE}
${matmulParams.wgsl}
${storage(1, 'a', 'f32', 'read')}
${storage(2, 'b', 'f32', 'read')}
${c.bias ? storage(3, 'bias', 'f32', 'read') : ''}
${storage(c.bias ? 4 : 3, 'c', 'f32', 'read_write')}`;
}

export const matmulKernel: KernelSpec<MatmulConfig> = {
  name: 'matmul',
  key: (c) => `matmul:${c.transposeA ? 't' : 'n'}${c.transposeB ? 't' : 'n'}:${c.bias ? 'bias' : ''}:${c.variant === 'blocked' ? `blocked${MATMUL_BLOCK}` : `tiled${MATMUL_TILE}`}`,
  wgsl(c) {
    if (c.variant === 'blocked') return blocked(c);
    const T = MATMUL_TILE;
    // a[i, p] and b[p, j] as stored.
    const aIndex = c.transposeA ? 'p * M + i' : 'i * K + p';
    const bIndex = c.transposeB ? 'j * K + p' : 'p * N + j';
    return `${header(c)}
var<workgroup> tileA: array<array<f32, ${T}>, ${T}>;
var<workgroup> tileB: array<array<f32, ${T}>, ${T}>;

@compute @workgroup_size(${T}, ${T})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {${BATCH_PROLOGUE}
  let row = wid.y * ${T}u + lid.y;
  let col = wid.x * ${T}u + lid.x;
  var acc = 0.0;
  let steps = (K + ${T - 1}u) / ${T}u;
  for (var s = 0u; s < steps; s++) {
    // tileA[y][x] = a[row, s*T + x]; tileB[y][x] = b[s*T + y, col]
    {
      let i = row;
      let p = s * ${T}u + lid.x;
      tileA[lid.y][lid.x] = select(0.0, a[aBase + ${aIndex}], i < M && p < K);
    }
    {
      let j = col;
      let p = s * ${T}u + lid.y;
      tileB[lid.y][lid.x] = select(0.0, b[bBase + ${bIndex}], j < N && p < K);
    }
    workgroupBarrier();
    for (var q = 0u; q < ${T}u; q++) {
      acc = acc + tileA[lid.y][q] * tileB[q][lid.x];
    }
    workgroupBarrier();
  }
  if (row < M && col < N) {
    ${c.bias ? 'acc = acc + bias[u.biasOffset + col];' : ''}
    c[u.cOffset + z * M * N + row * N + col] = acc;
  }
}
`;
  },
};

/** The barrier-free variant: grid (⌈N/32⌉, ⌈M/32⌉, batches), 8×8 invocations of 4×4 outputs. */
function blocked(c: MatmulConfig): string {
  const R = MATMUL_BLOCK;
  const aIndex = c.transposeA ? 'p * M + i' : 'i * K + p';
  const bIndex = c.transposeB ? 'j * K + p' : 'p * N + j';
  const rows = Array.from({ length: R }, (_, r) => r);
  return `${header(c)}

@compute @workgroup_size(${MATMUL_BLOCK_GROUP}, ${MATMUL_BLOCK_GROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {${BATCH_PROLOGUE}
  let row0 = gid.y * ${R}u;
  let col0 = gid.x * ${R}u;
  if (row0 >= M || col0 >= N) { return; }
  // Rows / columns past the edge re-read the last valid one; their results are not stored.
${rows.map((r) => `  let i${r} = min(row0 + ${r}u, M - 1u);
  let j${r} = min(col0 + ${r}u, N - 1u);`).join('\n')}
${rows.map((r) => `  var acc${r} = vec4<f32>(0.0);`).join('\n')}
  for (var p = 0u; p < K; p++) {
    let bv = vec4<f32>(${rows.map((r) => `b[bBase + ${bIndex.replace('j', `j${r}`)}]`).join(', ')});
${rows.map((r) => `    acc${r} = acc${r} + a[aBase + ${aIndex.replace('i', `i${r}`)}] * bv;`).join('\n')}
  }
${rows
  .map(
    (r) => `  if (row0 + ${r}u < M) {
    let out = u.cOffset + z * M * N + (row0 + ${r}u) * N + col0;
${rows.map((q) => `    if (col0 + ${q}u < N) { c[out + ${q}u] = acc${r}[${q}]${c.bias ? ` + bias[u.biasOffset + col0 + ${q}u]` : ''}; }`).join('\n')}
  }`,
  )
  .join('\n')}
}
`;
}
