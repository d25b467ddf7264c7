// The uniform structs: WGSL layout rules on the host side (alignment, padding, sizes),
// what the packer writes, and — on Dawn — that every kernel's struct as the shader
// reads it holds exactly the values the packer put there (an echo kernel copies each
// field out), so a field cannot sit at one offset in WGSL and another on the host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dawnMissing, skipTitle } from '../../../../tools/test-env/requirements.ts';
import { BufferUsage, MapMode } from '../gpu-constants.js';
import { MAX_RANK } from '../layout.js';
import { createWebGpuBackend, type WebGpuBackend } from '../node.js';
import { adamStepParams } from './adam-step.wgsl.js';
import { fillParams, stridedCopyParams } from './copy.wgsl.js';
import { elementwiseParams } from './elementwise.wgsl.js';
import { indexingParams } from './gather.wgsl.js';
import { gruStepBackwardParams } from './gru-step-backward.wgsl.js';
import { gruStepParams } from './gru-step.wgsl.js';
import { UNIFORM_WORDS } from './kernel-spec.js';
import { lstmStepBackwardParams } from './lstm-step-backward.wgsl.js';
import { lstmStepParams } from './lstm-step.wgsl.js';
import { matmulParams } from './matmul.wgsl.js';
import { randomParams } from './random.wgsl.js';
import { reduceParams } from './reduce.wgsl.js';
import { rowSoftmaxParams } from './row-softmax.wgsl.js';
import { uniformStruct, type UniformFields, type UniformStruct, type UniformValues } from './uniform-struct.js';

const KERNEL_PARAMS: Record<string, UniformStruct<UniformFields>> = {
  adamStepParams,
  fillParams,
  stridedCopyParams,
  elementwiseParams,
  indexingParams,
  gruStepBackwardParams,
  gruStepParams,
  lstmStepBackwardParams,
  lstmStepParams,
  matmulParams,
  randomParams,
  reduceParams,
  rowSoftmaxParams,
};

/** The fields of a struct, recovered from its WGSL text (padding excluded). */
function declaredFields(struct: UniformStruct<UniformFields>): [string, string][] {
  const body = /struct Params \{\n([\s\S]*?)\n\}/.exec(struct.wgsl)![1]!;
  return body
    .split('\n')
    .map((line) => /^\s*(\w+): (.+),$/.exec(line)!)
    .map((m) => [m[1]!, m[2]!] as [string, string])
    .filter(([name]) => !name.startsWith('_'));
}

/** Distinct values for every field: scalars k + 1 (f32: k + 0.5), dims fields 100k + d + 1. */
function distinctValues(struct: UniformStruct<UniformFields>): Record<string, number | number[]> {
  const values: Record<string, number | number[]> = {};
  declaredFields(struct).forEach(([name, type], k) => {
    if (type.startsWith('array')) values[name] = Array.from({ length: MAX_RANK }, (_, d) => 100 * (k + 1) + d + 1);
    else values[name] = type === 'f32' ? k + 0.5 : type === 'i32' ? -(k + 1) : k + 1;
  });
  return values;
}

/** The words the shader should read back for `values`, field by field in declaration order. */
function expectedEcho(struct: UniformStruct<UniformFields>, values: Record<string, number | number[]>): number[] {
  const f32 = new Float32Array(1);
  const bits = new Uint32Array(f32.buffer);
  return declaredFields(struct).flatMap(([name, type]) => {
    const v = values[name]!;
    if (Array.isArray(v)) return v;
    if (type === 'f32') {
      f32[0] = v;
      return [bits[0]!];
    }
    return [v >>> 0];
  });
}

/** A kernel that copies every field of `struct`, in declaration order, into `out` as u32 bits. */
function echoKernel(struct: UniformStruct<UniformFields>): string {
  const lines: string[] = [];
  let k = 0;
  for (const [name, type] of declaredFields(struct)) {
    if (type.startsWith('array')) {
      for (let d = 0; d < MAX_RANK; d++) lines.push(`  out[${k++}] = u.${name}[${d >> 2}][${d & 3}];`);
    } else {
      lines.push(`  out[${k++}] = bitcast<u32>(u.${name});`);
    }
  }
  return `${struct.wgsl}
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(1)
fn main() {
${lines.join('\n')}
}
`;
}

describe('uniformStruct', () => {
  it('places scalars at 4 bytes, dims fields on 16-byte rows, and pads the struct to 16 bytes', () => {
    const s = uniformStruct({ a: 'u32', b: 'f32', c: 'i32', shape: 'dims', d: 'u32', strides: 'dims', e: 'f32' });
    expect(s.offsets).toEqual({ a: 0, b: 1, c: 2, shape: 4, d: 12, strides: 16, e: 24 });
    expect(s.words).toBe(28);
    expect(s.wgsl).toContain('  _pad0: u32,\n  shape: array<vec4<u32>, 2>,');
    expect(s.wgsl).toContain('@group(0) @binding(0) var<uniform> u: Params;');
    expect(uniformStruct({ n: 'u32' }).words).toBe(4);
    expect(uniformStruct({ a: 'u32', b: 'u32', c: 'u32', d: 'u32' }).words).toBe(4);
  });

  it('packs u32, wrapped i32, f32 bits and dimension lists at their offsets, zeros elsewhere', () => {
    const s = uniformStruct({ n: 'u32', shift: 'i32', scale: 'f32', shape: 'dims' });
    const words = s.pack({ n: 7, shift: -2, scale: 0.1, shape: [3, 5] });
    expect(Array.from(words)).toEqual([7, 0xfffffffe, new Uint32Array(Float32Array.of(0.1).buffer)[0]!, 0, 3, 5, 0, 0, 0, 0, 0, 0]);
    expect(() => s.pack({ n: 1, shift: 0, scale: 0, shape: Array.from({ length: MAX_RANK + 1 }, () => 1) })).toThrow(/exceed/);
    expect(() => uniformStruct({ _x: 'u32' })).toThrow(/reserved/);
  });

  it('every kernel struct fits the 256-byte block the queue binds and packs distinct values faithfully', () => {
    for (const [name, struct] of Object.entries(KERNEL_PARAMS)) {
      expect(struct.words, name).toBeLessThanOrEqual(UNIFORM_WORDS);
      expect(struct.words % 4, name).toBe(0);
      const values = distinctValues(struct);
      const words = struct.pack(values as UniformValues<UniformFields>);
      const fields = declaredFields(struct);
      const offsets = struct.offsets as Record<string, number>;
      const read = fields.flatMap(([field, type]) => (type.startsWith('array') ? Array.from(words.subarray(offsets[field]!, offsets[field]! + MAX_RANK)) : [words[offsets[field]!]!]));
      expect(read, name).toEqual(expectedEcho(struct, values));
    }
  });
});

const missing = dawnMissing();
let backend: WebGpuBackend | null = null;
beforeAll(async () => {
  if (!missing) backend = await createWebGpuBackend({ allowSoftware: true });
}, 120_000);
afterAll(() => backend?.dispose());

describe.skipIf(!!missing)(skipTitle('uniform structs on Dawn', missing), () => {
  it('the shader reads every field of every kernel struct where the packer wrote it', async (ctx) => {
    if (!backend) {
      ctx.skip('webgpu: unavailable — no WebGPU adapter (Dawn found none)');
      return;
    }
    const device = backend.device;
    for (const [name, struct] of Object.entries(KERNEL_PARAMS)) {
      const values = distinctValues(struct);
      const expected = expectedEcho(struct, values);
      const uniform = device.createBuffer({ size: UNIFORM_WORDS * 4, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
      const out = device.createBuffer({ size: expected.length * 4, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC });
      const staging = device.createBuffer({ size: expected.length * 4, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
      const words = new Uint32Array(UNIFORM_WORDS);
      words.set(struct.pack(values as UniformValues<UniformFields>));
      device.queue.writeBuffer(uniform, 0, words);
      const module = device.createShaderModule({ code: echoKernel(struct) });
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: uniform } }, { binding: 1, resource: { buffer: out } }] });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(1);
      pass.end();
      encoder.copyBufferToBuffer(out, 0, staging, 0, expected.length * 4);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MapMode.READ);
      const echoed = Array.from(new Uint32Array(staging.getMappedRange().slice(0)));
      staging.unmap();
      for (const b of [uniform, out, staging]) b.destroy();
      expect(echoed, name).toEqual(expected);
    }
  });
});
