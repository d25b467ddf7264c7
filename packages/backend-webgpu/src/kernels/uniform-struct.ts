/**
 * Named uniform blocks: one field list per kernel gives both the WGSL `struct Params`
 * (declared as `u` at binding 0) and the host packer that fills its words, so a field's
 * name, type and offset cannot differ between the shader and the code that dispatches it.
 *
 * Field types: `u32`, `i32`, `f32` (4 bytes, 4-aligned) and `dims`: MAX_RANK u32 values
 * (a shape or a stride list) as `array<vec4<u32>, 2>` — the uniform address space needs a
 * 16-byte array stride, and the kernels index dimensions at run time, which struct fields
 * cannot be. Offsets follow WGSL's layout rules with the padding written out as `_padN`
 * fields, and the struct is padded to a multiple of 16 bytes, so the text states every
 * offset the packer uses.
 */
import { MAX_RANK } from '../layout.js';
import { UNIFORM_WORDS } from './kernel-spec.js';

export type UniformFieldType = 'u32' | 'i32' | 'f32' | 'dims';
export type UniformFields = Readonly<Record<string, UniformFieldType>>;

/** The values `pack` takes: a number per scalar field, up to MAX_RANK numbers per `dims` field. */
export type UniformValues<F extends UniformFields> = { readonly [K in keyof F]: F[K] extends 'dims' ? readonly number[] : number };

export interface UniformStruct<F extends UniformFields> {
  /** The struct declaration and its binding: `struct Params { … }` and `var<uniform> u: Params`. */
  readonly wgsl: string;
  /** Word offset of each field (what `pack` writes where). */
  readonly offsets: Readonly<Record<keyof F, number>>;
  /** Size of the struct in 32-bit words (a multiple of 4). */
  readonly words: number;
  /** The uniform words of one dispatch. */
  pack(values: UniformValues<F>): Uint32Array;
}

/** Words per `dims` field: MAX_RANK u32 in vec4 rows. */
const DIMS_WORDS = Math.ceil(MAX_RANK / 4) * 4;

const F32 = new Float32Array(1);
const F32_BITS = new Uint32Array(F32.buffer);

/** `u.<field>[<index>]` for a `dims` field: the vec4 row, then the lane. */
export function dim(field: string, index: string): string {
  return `u.${field}[(${index}) >> 2u][(${index}) & 3u]`;
}

/**
 * WGSL statements that split the flat index `index` into coordinates over the first
 * `rank` dimensions of the `dims` field `shape` (the last dimension fastest) and add
 * each coordinate times its stride to each of `offsets`: variable → its `dims` strides
 * field (the variables are declared before). Strided copy, broadcast elementwise
 * operands, the matmul batch and the reduce offsets all walk their index this way.
 */
export function stridedOffsets(index: string, rank: string, shape: string, offsets: Readonly<Record<string, string>>): string {
  return [
    `  var rest = ${index};`,
    `  for (var d = i32(${rank}) - 1; d >= 0; d--) {`,
    '    let dim = u32(d);',
    `    let size = ${dim(shape, 'dim')};`,
    '    let k = rest % size;',
    '    rest = rest / size;',
    ...Object.entries(offsets).map(([offset, strides]) => `    ${offset} = ${offset} + k * ${dim(strides, 'dim')};`),
    '  }',
  ].join('\n');
}

/** Builds the WGSL struct and packer for `fields` (in declaration order). */
export function uniformStruct<const F extends UniformFields>(fields: F): UniformStruct<F> {
  const lines: string[] = [];
  const offsets: Record<string, number> = {};
  let word = 0;
  let pads = 0;
  const padTo = (multiple: number): void => {
    while (word % multiple !== 0) {
      lines.push(`  _pad${pads++}: u32,`);
      word++;
    }
  };
  for (const [name, type] of Object.entries(fields)) {
    if (name.startsWith('_')) throw new Error(`uniform field ${name}: names starting with _ are reserved for padding`);
    if (type === 'dims') {
      padTo(4);
      offsets[name] = word;
      lines.push(`  ${name}: array<vec4<u32>, ${DIMS_WORDS / 4}>,`);
      word += DIMS_WORDS;
    } else {
      offsets[name] = word;
      lines.push(`  ${name}: ${type},`);
      word++;
    }
  }
  padTo(4);
  if (word > UNIFORM_WORDS) throw new Error(`uniform struct of ${word} words exceeds the ${UNIFORM_WORDS}-word block`);
  const entries = Object.entries(fields).map(([name, type]) => [name, type, offsets[name]!] as const);
  const size = word;
  return {
    wgsl: `struct Params {\n${lines.join('\n')}\n}\n@group(0) @binding(0) var<uniform> u: Params;`,
    offsets: offsets as Record<keyof F, number>,
    words: size,
    pack(values) {
      const out = new Uint32Array(size);
      for (const [name, type, offset] of entries) {
        const value = values[name as keyof F] as number | readonly number[];
        if (type === 'dims') {
          const list = value as readonly number[];
          if (list.length > MAX_RANK) throw new Error(`uniform field ${name}: ${list.length} dimensions exceed ${MAX_RANK}`);
          for (let d = 0; d < list.length; d++) out[offset + d] = list[d]!;
        } else if (type === 'f32') {
          F32[0] = value as number;
          out[offset] = F32_BITS[0]!;
        } else {
          out[offset] = (value as number) >>> 0;
        }
      }
      return out;
    },
  };
}
