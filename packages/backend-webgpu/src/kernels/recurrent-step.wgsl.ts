/**
 * The thread mapping and recurrent product shared by the fused RNN step kernels (LSTM and
 * GRU, forward and backward), so that each kernel file holds only its own gate math.
 *
 * A workgroup of 64 invocations covers 64 hidden units j for BT batch rows (BT is in the
 * kernel's key). Per chunk of 64 along the reduction, the BT rows of the left operand are
 * staged in workgroup memory, and each invocation accumulates its outputs with one weight
 * read per reduction index, reused for all BT rows. Then `finish(b, j, acc)` runs for each
 * batch row in range. Grid: (⌈H/64⌉, ⌈B/BT⌉) (`stepGrid` in ops/recurrent-step.ts).
 *
 * The kernel defines, before this text:
 *
 *     fn staged(b: u32, k: u32) -> f32        left operand at batch row b, reduction index k
 *     fn weights(k: u32, j: u32) -> ACC       the weights of unit j at reduction index k
 *     fn finish(b: u32, j: u32, acc: ACC)     the gate math of (b, j)
 *
 * and its uniform struct has `batch` and `hidden` fields. `recurrentStepKernel` assembles
 * such a kernel from its uniforms, bindings and those functions.
 */
import type { KernelSpec } from './kernel-spec.js';
import { PREAMBLE, storage } from './preamble.wgsl.js';

export interface RecurrentProduct {
  /** Batch rows per workgroup. */
  batchTile: number;
  /** WGSL type of one accumulator: `f32`, or a vector with one lane per gate. */
  accType: string;
  /** The reduction length, a u32 expression (over `u` and the local `H`). */
  depth: string;
  /** Form the product only when this uniform condition holds (else the accumulators stay 0). */
  when?: string;
}

/** The workgroup tile and the `main` entry point of a step kernel. */
export function recurrentStepMain(p: RecurrentProduct): string {
  const rows = Array.from({ length: p.batchTile }, (_, r) => r);
  return `const BT: u32 = ${p.batchTile}u;
var<workgroup> stagedTile: array<array<f32, 64>, BT>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let B = u.batch;
  let H = u.hidden;
  let depth = ${p.depth};
  let j = wid.x * 64u + lid;
  let b0 = wid.y * BT;
  // One accumulator per batch row, unrolled (a dynamically indexed private array can live in memory).
${rows.map((r) => `  var acc${r} = ${p.accType}(0.0);`).join('\n')}
  if (${p.when ?? 'true'}) {
    for (var k0 = 0u; k0 < depth; k0 = k0 + 64u) {
      for (var r = 0u; r < BT; r++) {
        let b = b0 + r;
        let k = k0 + lid;
        var v = 0.0;
        if (b < B && k < depth) { v = staged(b, k); }
        stagedTile[r][lid] = v;
      }
      workgroupBarrier();
      if (j < H) {
        let kn = min(64u, depth - k0);
        for (var kk = 0u; kk < kn; kk++) {
          let w = weights(k0 + kk, j);
${rows.map((r) => `          acc${r} = acc${r} + stagedTile[${r}][kk] * w;`).join('\n')}
        }
      }
      workgroupBarrier();
    }
  }
  if (j >= H) { return; }
${rows.map((r) => `  if (b0 + ${r}u < B) { finish(b0 + ${r}u, j, acc${r}); }`).join('\n')}
}
`;
}

/** The key parameters of every step kernel. */
export interface StepKernelConfig {
  /** Batch rows per workgroup (1..4, ops/recurrent-step.ts's `stepBatchTile`). */
  batchTile: number;
}

/** A storage binding of a step kernel: name, element type, access (bindings 1.. in order). */
export type StepBinding = readonly [name: string, type: 'f32' | 'i32', access: 'read' | 'read_write'];

export interface StepKernelDefinition {
  name: string;
  /** The uniform struct's WGSL (`uniformStruct(...).wgsl`). */
  params: string;
  bindings: readonly StepBinding[];
  /** `staged`, `weights`, `finish` and their helpers. */
  functions: string;
  product: Omit<RecurrentProduct, 'batchTile'>;
}

/** A step kernel: preamble, uniforms, bindings, the kernel's functions and the shared `main`. */
export function recurrentStepKernel(def: StepKernelDefinition): KernelSpec<StepKernelConfig> {
  return {
    name: def.name,
    key: (c) => `${def.name}:bt${c.batchTile}`,
    wgsl: (c) => `${PREAMBLE}
${def.params}
${def.bindings.map(([name, type, access], i) => storage(i + 1, name, type, access)).join('\n')}
${def.functions}
${recurrentStepMain({ ...def.product, batchTile: c.batchTile })}`,
  };
}
