/**
 * Hostile model files for every interop loader: forged sizes, zip bombs, huge graphs,
 * NaN weights and corrupted bytes end in an `InteropError`, within a second and
 * without allocating what the file claims.
 */
import fc from 'fast-check';
import { zipSync, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors } from '@cellstate/nn';
import { sequenceModelParameterCount, type LayerSpec, type ModelConfig } from './config.js';
import { InteropError } from './errors.js';
import { importKeras, readKeras } from './keras/keras.js';
import { SequenceModel } from './model.js';
import { importOnnx, readOnnx } from './onnx/import.js';
import { decodeOnnxModel, encodeOnnxModel, type NodeProto } from './onnx/proto.js';
import { importPytorch, readPytorch } from './pytorch.js';
import { fixture } from './test-helpers.js';
import { useBackend } from './test-setup.js';

beforeAll(async () => {
  await useBackend('cpu');
});

/** Runs `load`, asserting it fails with an InteropError within a second and 100 MB. */
async function refusal(load: () => unknown): Promise<InteropError> {
  const before = process.memoryUsage();
  const started = performance.now();
  let error: unknown;
  try {
    await load();
  } catch (e) {
    error = e;
  }
  expect(performance.now() - started).toBeLessThan(1000);
  const after = process.memoryUsage();
  expect(after.arrayBuffers - before.arrayBuffers + (after.heapUsed - before.heapUsed)).toBeLessThan(100e6);
  expect(error).toBeInstanceOf(InteropError);
  return error as InteropError;
}

/** Sets the uncompressed size a zip's central directory records for `member`. */
function claimSize(zip: Uint8Array, member: string, size: number): Uint8Array {
  const out = new Uint8Array(zip);
  const view = new DataView(out.buffer);
  for (let i = 0; i + 46 <= out.length; i++) {
    if (view.getUint32(i, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(i + 28, true);
    if (new TextDecoder().decode(out.subarray(i + 46, i + 46 + nameLength)) === member) view.setUint32(i + 24, size, true);
  }
  return out;
}

describe('sequenceModelParameterCount', () => {
  it('is what SequenceModel allocates, for any chain of layers', () => {
    const recurrent = fc.record({ type: fc.constantFrom('lstm' as const, 'gru' as const), hiddenSize: fc.integer({ min: 1, max: 4 }), numLayers: fc.integer({ min: 1, max: 3 }), bidirectional: fc.boolean(), bias: fc.boolean() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(recurrent, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), (input, rnns, out, bias) => {
        const layers: LayerSpec[] = [];
        let width = input;
        rnns.forEach((r, i) => {
          layers.push({ ...r, name: `r${i}`, inputSize: width, output: 'sequence' });
          width = r.hiddenSize * (r.bidirectional ? 2 : 1);
        });
        layers.push({ type: 'linear', name: 'fc', inFeatures: width, outFeatures: out, bias });
        const config: ModelConfig = { format: 'cellstate.sequence-model', version: 1, batchFirst: true, layers };
        const model = new SequenceModel(config);
        expect(sequenceModelParameterCount(config)).toBe(model.namedParameters().reduce((n, [, p]) => n + p.value.size, 0));
        model.dispose();
      }),
      { numRuns: 40, seed: 19 },
    );
  });
});

describe('Keras', () => {
  it('a .keras archive whose weights member would inflate to 2.2 GB is refused before inflating', async () => {
    const files = unzipSync(fixture('keras3-sequential.keras'));
    const bomb = claimSize(zipSync(files), 'model.weights.h5', 2_200_000_000);
    const e = await refusal(() => importKeras(bomb, { source: 'bomb.keras' }));
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/'model\.weights\.h5' inflates to 2200000000 bytes.*\(in bomb\.keras\)/);
  });

  it('members the loader does not read are not inflated, whatever size they claim', async () => {
    const files = unzipSync(fixture('keras3-sequential.keras'));
    const archive = claimSize(zipSync({ ...files, 'assets/huge.bin': new Uint8Array(16) }), 'assets/huge.bin', 4_000_000_000);
    const { model } = await importKeras(archive);
    model.dispose();
  });

  it('tensors are read only within the budget (maxUncompressedBytes)', async () => {
    const e = await refusal(() => readKeras(fixture('keras2-legacy.h5'), { source: 'legacy.h5', maxUncompressedBytes: 64 }));
    expect(e.code).toBe('too-large');
    expect(e.message).toContain('legacy.h5');
  });

  it('fuzz: corrupted .h5 and .keras bytes end in an InteropError (jsfive throws bare strings), fast', async () => {
    for (const name of ['keras2-legacy.h5', 'keras3-sequential.keras']) {
      const original = fixture(name);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 6 }), async (edits) => {
          const bytes = new Uint8Array(original);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const started = performance.now();
          try {
            (await importKeras(bytes, { source: name })).model.dispose();
          } catch (e) {
            expect(e, String(e)).toBeInstanceOf(InteropError);
          }
          expect(performance.now() - started).toBeLessThan(1000);
        }),
        { numRuns: 60, seed: 19 },
      );
    }
  });
});

describe('ONNX', () => {
  it('20,000 nodes fanning out of one value, and 9,000 activations of one scope, import in linear time', async () => {
    const model = decodeOnnxModel(fixture('torch-lstm-hn.onnx'));
    const graph = model.graph!;
    const input = graph.input![0]!.name;
    const fan: NodeProto[] = Array.from({ length: 20_000 }, (_, i) => ({ name: `/dead/Identity_${i}`, op_type: 'Identity', input: [input], output: [`dead_${i}`] }));
    const output = graph.output![0]!.name;
    const last = graph.node!.find((n) => n.output?.includes(output))!;
    last.output = last.output!.map((o) => (o === output ? 'chain_0' : o));
    const chain: NodeProto[] = Array.from({ length: 9_000 }, (_, i) => ({ name: '/head/Relu', op_type: 'Relu', input: [`chain_${i}`], output: [i === 8_999 ? output : `chain_${i + 1}`] }));
    graph.node = [...graph.node!, ...fan, ...chain];
    const bytes = encodeOnnxModel(model);
    const started = performance.now();
    const file = readOnnx(bytes, { source: 'huge.onnx' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(file.config.layers.filter((l) => l.type === 'activation')).toHaveLength(9_000);
  });

  it('NaN weights are refused with the tensor name; allowNonFinite loads them', async () => {
    const model = decodeOnnxModel(fixture('torch-lstm-hn.onnx'));
    const w = model.graph!.initializer!.find((t) => t.dims?.length === 3)!;
    w.raw_data = new Uint8Array(w.raw_data!.length);
    new DataView(w.raw_data.buffer).setFloat32(0, Number.NaN, true);
    const bytes = encodeOnnxModel(model);
    const e = await refusal(() => importOnnx(bytes, { source: 'nan.onnx' }));
    expect(e.code).toBe('non-finite');
    expect(e.message).toMatch(/holds NaN.*\(in nan\.onnx\)/);
    (await importOnnx(bytes, { allowNonFinite: true })).model.dispose();
  });

  it('fuzz: corrupted ONNX bytes end in an InteropError, fast', async () => {
    const original = fixture('torch-embed-lstm-seq.onnx');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 6 }), async (edits) => {
        const bytes = new Uint8Array(original);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        const started = performance.now();
        try {
          (await importOnnx(bytes, { source: 'fuzz.onnx' })).model.dispose();
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(InteropError);
        }
        expect(performance.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 100, seed: 19 },
    );
  });
});

describe('PyTorch safetensors', () => {
  it('a cellstate.config with a forged size or layer count is refused before the model is built', async () => {
    const { tensors, metadata } = parseSafetensors(fixture('cellstate-bilstm.safetensors'));
    const config = JSON.parse(metadata['cellstate.config']!) as ModelConfig;
    const write = (c: unknown) => serializeSafetensors(new Map([...tensors].map(([n, t]) => [n, { dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array }])), { ...metadata, 'cellstate.config': JSON.stringify(c) });
    const rnn = config.layers.findIndex((l) => l.type === 'lstm');
    const deep = structuredClone(config);
    (deep.layers[rnn] as { numLayers: number }).numLayers = 10_000;
    expect((await refusal(() => importPytorch(write(deep), { source: 'deep.safetensors' }))).message).toMatch(/'numLayers' must be an integer from 1 to 64/);
    // Within the limits, consistent, but far more than the file holds (64 layers of 4,000 units: gigabytes).
    const wide = structuredClone(config);
    const lstm = wide.layers[rnn] as { numLayers: number; hiddenSize: number; bidirectional?: boolean };
    lstm.numLayers = 64;
    lstm.hiddenSize = 4000;
    const next = wide.layers[rnn + 1] as { inFeatures?: number; inputSize?: number } | undefined;
    if (next?.inFeatures !== undefined) next.inFeatures = 4000 * (lstm.bidirectional ? 2 : 1);
    if (next?.inputSize !== undefined) next.inputSize = 4000 * (lstm.bidirectional ? 2 : 1);
    expect((await refusal(() => importPytorch(write(wide), { source: 'deep.safetensors' }))).message).toMatch(/describes \d+ parameters, but the file holds only \d+ weights/);
  });

  it('fuzz: any value in the config metadata gives a model or an InteropError, fast', async () => {
    const { tensors, metadata } = parseSafetensors(fixture('cellstate-bilstm.safetensors'));
    const entries = new Map([...tensors].map(([n, t]) => [n, { dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array }]));
    const config = JSON.parse(metadata['cellstate.config']!) as { layers: Record<string, unknown>[] };
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.string({ maxLength: 16 }), fc.oneof(fc.jsonValue(), fc.constantFrom(0, -1, 1e9, 2 ** 31, 1e300, 0.5, 'x', [], null)), async (layer, key, value) => {
        const c = structuredClone(config);
        const l = c.layers[layer % c.layers.length]!;
        const keys = Object.keys(l);
        l[keys[key.length % keys.length]!] = value;
        const bytes = serializeSafetensors(entries, { ...metadata, 'cellstate.config': JSON.stringify(c) });
        const started = performance.now();
        try {
          (await importPytorch(bytes, { source: 'fuzz.safetensors' })).dispose();
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(InteropError);
        }
        expect(performance.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 150, seed: 19 },
    );
    expect(() => readPytorch(new Uint8Array([1, 2, 3]), { source: 'x' })).toThrow(InteropError);
  });
});
