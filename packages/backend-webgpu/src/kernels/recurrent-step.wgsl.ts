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
 * and its uniform struct has `batch` and `hidden` fields. `forwardStepKernel` and
 * `backwardStepKernel` assemble such a kernel; they also write the parts that the two
 * forward (and the two backward) kernels have in common, so a gate count is all that
 * separates them there: the leading uniform fields, the read of the staged operand, the
 * weight read, the product's shape and the first locals of `finish`. Each kernel file keeps
 * its reserve sections, bindings and gate math.
 */
import type { KernelSpec } from './kernel-spec.js';
import { PREAMBLE, storage } from './preamble.wgsl.js';
import { uniformStruct, type UniformFields, type UniformStruct } from './uniform-struct.js';

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

/** The uniform fields every step kernel starts with; its reserve sections follow. */
const STEP_FIELDS = {
  batch: 'u32',
  hidden: 'u32',
  t: 'u32',
  /** Half of the ping-pong state (hState forward, dhState backward) read (0/1); the other half is written. */
  readHalf: 'u32',
  hasLengths: 'u32',
} as const;

/** The uniform fields a backward step kernel has after its sections. */
const BACKWARD_FIELDS = {
  /** 1 when a step was processed before this one (its gate gradients feed dh). */
  hasPrevious: 'u32',
  /** t of that previous step. */
  tPrev: 'u32',
  hasDy: 'u32',
  /** 1 for the extra dispatch after the last step: only form dh (to dh0). */
  finalize: 'u32',
} as const;

/** One uniform field `<part>Section` per reserve part: the element offset of that part. */
type SectionFields<S extends string> = { readonly [K in S as `${K}Section`]: 'u32' };

function sectionFields<S extends string>(sections: readonly S[]): SectionFields<S> {
  return Object.fromEntries(sections.map((part) => [`${part}Section`, 'u32'])) as SectionFields<S>;
}

/** A step kernel with the uniform struct its dispatches pack. */
export interface StepKernel<F extends UniformFields> {
  params: UniformStruct<F>;
  kernel: KernelSpec<StepKernelConfig>;
}

interface StepKernelParts<S extends string> {
  name: string;
  /** Gates per hidden unit: 3 (GRU) or 4 (LSTM). */
  gates: 3 | 4;
  /** The reserve parts the kernel addresses through uniforms, in field order. */
  sections: readonly S[];
  /**
   * The body of `finish(b: u32, j: u32, recurrent: ACC)`, which starts with the locals
   * B, H, t (from the uniforms) and s = b·H + j (the state index of (b, j)).
   */
  finish: string;
}

function finishFunction(accType: string, body: string): string {
  return /* wgsl */ `
fn finish(b: u32, j: u32, recurrent: ${accType}) {
  let B = u.batch;
  let H = u.hidden;
  let t = u.t;
  let s = b * H + j;${body}}
`;
}

export interface ForwardStepDefinition<S extends string> extends StepKernelParts<S> {
  /**
   * Storage bindings 1.. in order: the read-only ones, then the written ones. The first is
   * wHhT [H, gates·H]; one named `hState` [2, B, H] must be among the written. `lengths`
   * is an i32 array, every other binding f32.
   */
  read: readonly string[];
  readWrite: readonly string[];
}

export interface BackwardStepDefinition<S extends string> extends StepKernelParts<S> {
  /** Written bindings, after the read-only wHh, lengths, reserve, dy (bindings 1-4). */
  readWrite: readonly string[];
  /** The written binding that holds the gradient of h·wHhᵀ per step: the previous step's feeds dh. */
  recurrentGradient: string;
}

/**
 * A forward step: h of the batch rows staged from the read half of hState, and one
 * vector of wHhT (one lane per gate, neighbouring words for neighbouring j) per k.
 */
export function forwardStepKernel<const S extends string>(def: ForwardStepDefinition<S>): StepKernel<typeof STEP_FIELDS & SectionFields<S>> {
  const params = uniformStruct({ ...STEP_FIELDS, ...sectionFields(def.sections) });
  const lanes = Array.from({ length: def.gates }, (_, g) => (g === 0 ? 'wHhT[row]' : g === 1 ? 'wHhT[row + H]' : `wHhT[row + ${g}u * H]`));
  const functions = /* wgsl */ `
fn staged(b: u32, k: u32) -> f32 { return hState[u.readHalf * u.batch * u.hidden + b * u.hidden + k]; }

fn weights(k: u32, j: u32) -> vec${def.gates}<f32> {
  let H = u.hidden;
  let row = k * ${def.gates}u * H + j;
  return vec${def.gates}<f32>(${lanes.join(', ')});
}
${finishFunction(`vec${def.gates}<f32>`, def.finish)}`;
  const bindings = [...def.read.map((n) => [n, 'read'] as const), ...def.readWrite.map((n) => [n, 'read_write'] as const)];
  return { params, kernel: recurrentStepKernel(def.name, params.wgsl, bindings, functions, { accType: `vec${def.gates}<f32>`, depth: 'H' }) };
}

/**
 * A backward step: the rows of the previous step's recurrent gate gradients staged, and
 * wHh read by gate row, so the product is dGh[tPrev] · wHh — formed only when there was
 * a previous step.
 */
export function backwardStepKernel<const S extends string>(def: BackwardStepDefinition<S>): StepKernel<typeof STEP_FIELDS & SectionFields<S> & typeof BACKWARD_FIELDS> {
  const params = uniformStruct({ ...STEP_FIELDS, ...sectionFields(def.sections), ...BACKWARD_FIELDS });
  const functions = /* wgsl */ `
fn is_live(b: u32, t: u32) -> bool { return u.hasLengths == 0u || i32(t) < lengths[b]; }

fn staged(b: u32, q: u32) -> f32 { return ${def.recurrentGradient}[(u.tPrev * u.batch + b) * ${def.gates}u * u.hidden + q]; }

fn weights(q: u32, j: u32) -> f32 { return wHh[q * u.hidden + j]; }
${finishFunction('f32', def.finish)}`;
  const bindings = [...['wHh', 'lengths', 'reserve', 'dy'].map((n) => [n, 'read'] as const), ...def.readWrite.map((n) => [n, 'read_write'] as const)];
  return { params, kernel: recurrentStepKernel(def.name, params.wgsl, bindings, functions, { accType: 'f32', depth: `${def.gates}u * H`, when: 'u.hasPrevious != 0u' }) };
}

/** Preamble, uniforms, bindings, the kernel's functions and the shared `main`. */
function recurrentStepKernel(
  name: string,
  params: string,
  bindings: readonly (readonly [name: string, access: 'read' | 'read_write'])[],
  functions: string,
  product: Omit<RecurrentProduct, 'batchTile'>,
): KernelSpec<StepKernelConfig> {
  const declarations = bindings.map(([binding, access], i) => storage(i + 1, binding, binding === 'lengths' ? 'i32' : 'f32', access)).join('\n');
  return {
    name,
    key: (c) => `${name}:bt${c.batchTile}`,
    wgsl: (c) => `${PREAMBLE}
${params}
${declarations}
${functions}
${recurrentStepMain({ ...product, batchTile: c.batchTile })}`,
  };
}
