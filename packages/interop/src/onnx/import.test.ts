import { beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '@cellstate/tensor';
import { GRU } from '@cellstate/lstm';
import { InteropError } from '../errors.js';
import { SequenceModel } from '../model.js';
import { fixture, fixtureJson } from '../test-helpers.js';
import { useBackend } from '../test-setup.js';
import { exportOnnx } from './export.js';
import { importOnnx, loadOnnx, readOnnx } from './import.js';
import { AttributeType, decodeOnnxModel, encodeOnnxModel } from './proto.js';
import type { ModelConfig } from '../config.js';
import { expectClose } from '@cellstate/tensor/testing';

// onnxruntime-node ships its native binaries in the npm package; should they fail to
// load on some platform, the ORT comparisons skip and say why.
let ort: typeof import('onnxruntime-node');
let ortMissing: string | undefined;
try {
  ort = await import('onnxruntime-node');
} catch (e) {
  ortMissing = `onnxruntime-node cannot be loaded here (${(e as Error).message.split('\n')[0]})`;
}

beforeAll(async () => {
  await useBackend('cpu');
});

async function runOrt(bytes: Uint8Array, input: { name: string; values: number[]; shape: number[]; ids: boolean }): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  const feed = input.ids ? new ort.Tensor('int64', BigInt64Array.from(input.values.map(BigInt)), input.shape) : new ort.Tensor('float32', Float32Array.from(input.values), input.shape);
  const out = await session.run({ [input.name]: feed });
  await session.release();
  return { data: out.output!.data as Float32Array, dims: out.output!.dims };
}

type OnnxFixture = { input: { shape: number[]; values: number[] }; output: number[]; output_shape: number[]; config?: ModelConfig; state_dict?: Record<string, { shape: number[]; values: number[] }> };
const fixtures = fixtureJson('torch.json').onnx as Record<string, OnnxFixture>;
const TOL = 2e-5;

describe('ONNX import of torch.onnx.export graphs (torch 1.13, opset 14)', () => {
  const cases: [string, string, boolean][] = [
    ['bilstm-final', 'torch-bilstm-final.onnx', false],
    ['bilstm-laststep', 'torch-bilstm-laststep.onnx', false],
    ['embed-lstm-seq', 'torch-embed-lstm-seq.onnx', true],
    ['lstm-hn', 'torch-lstm-hn.onnx', false],
  ];
  it.each(cases)('%s: config recognised, outputs match torch', async (key, file, ids) => {
    const f = fixtures[key]!;
    const { model, config } = await importOnnx(fixture(file), { source: file });
    expect(config).toEqual(SequenceModelConfigWithDefaults(f.config!));
    const x = ids ? tensor(f.input.values, f.input.shape, { dtype: 'int32' }) : tensor(f.input.values, f.input.shape);
    const y = model.forward(x);
    expect(y.shape).toEqual(f.output_shape);
    expectClose(y.dataSync(), f.output, { atol: TOL, label: key });
  });

  it('GRU (bidirectional, batch-first, out[:, -1]): weights come out in nn.GRU layout (gates r, z, n); the model builds and matches torch', async () => {
    const f = fixtures.gru!;
    const file = readOnnx(fixture('torch-gru.onnx'));
    expect(file.config.layers.map((l) => l.type)).toEqual(['gru', 'linear']);
    expect(file.config.layers[0]).toMatchObject({ type: 'gru', name: 'gru', inputSize: 3, hiddenSize: 4, bidirectional: true, output: 'last-step', linearBeforeReset: true });
    for (const [name, t] of Object.entries(f.state_dict!)) {
      const ours = file.tensors.get(name);
      expect(ours, name).toBeDefined();
      expect(ours!.shape, name).toEqual(t.shape);
      expectClose(ours!.data, t.values, { atol: 1e-7, label: name });
    }
    const { model } = await importOnnx(fixture('torch-gru.onnx'), { source: 'torch-gru.onnx' });
    expect(model.layer('gru')).toBeInstanceOf(GRU);
    const y = model.forward(tensor(f.input.values, f.input.shape));
    expect(y.shape).toEqual(f.output_shape);
    expectClose(y.dataSync(), f.output, { atol: TOL, label: 'gru' });
  });

  it('round trip: cellstate export -> import gives the same config and weights', async () => {
    const config: ModelConfig = {
      format: 'cellstate.sequence-model',
      version: 1,
      batchFirst: true,
      layers: [
        { type: 'embedding', name: 'embed', numEmbeddings: 10, embeddingDim: 3 },
        { type: 'lstm', name: 'lstm', inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, output: 'final' },
        { type: 'linear', name: 'head', inFeatures: 8, outFeatures: 2 },
        { type: 'activation', name: 'probs', function: 'softmax' },
      ],
    };
    const model = new SequenceModel(config, { seed: 5 });
    const { model: back, config: seen } = await importOnnx(await exportOnnx(model, { sequenceLens: true }));
    expect(seen.layers.map((l) => l.type)).toEqual(['embedding', 'lstm', 'linear', 'activation']);
    expect(seen.layers[1]).toMatchObject({ numLayers: 2, bidirectional: true, output: 'final' });
    const ids = tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], { dtype: 'int32' });
    expectClose(back.forward(ids, { lengths: [4, 2] }).dataSync(), model.forward(ids, { lengths: [4, 2] }).dataSync(), { atol: 1e-6, label: 'round trip' });
  });
});

type GruOnnxFixture = OnnxFixture & { file: string; config: ModelConfig };
const gruFixtures = fixtureJson('torch-gru.json').onnx as Record<string, GruOnnxFixture>;

describe('ONNX import of torch.onnx.export nn.GRU graphs (torch 1.13, opset 14; tools/fixtures/make_gru_fixtures.py)', () => {
  const cases: [string, boolean][] = [
    ['gru-final', false],
    ['gru-hn', false],
    ['embed-gru-seq', true],
  ];
  it.each(cases)('%s: config recognised, outputs match torch', async (key, ids) => {
    const f = gruFixtures[key]!;
    const { model, config } = await importOnnx(fixture(f.file), { source: f.file });
    const expected = SequenceModelConfigWithDefaults(f.config);
    expect(config.batchFirst).toBe(expected.batchFirst);
    expected.layers.forEach((layer, i) => expect(config.layers[i]).toMatchObject(layer));
    const gru = config.layers.find((l) => l.type === 'gru');
    expect(gru).toMatchObject({ linearBeforeReset: true });
    const x = ids ? tensor(f.input.values, f.input.shape, { dtype: 'int32' }) : tensor(f.input.values, f.input.shape);
    const y = model.forward(x);
    expect(y.shape).toEqual(f.output_shape);
    expectClose(y.dataSync(), f.output, { atol: TOL, label: key });
  });

  it.skipIf(!!ortMissing)(`onnxruntime-node runs the same torch files and agrees with cellstate's import${ortMissing ? ` [skipped: ${ortMissing}]` : ''}`, async () => {
    const all: [string, string, boolean, OnnxFixture][] = [
      ['gru', 'torch-gru.onnx', false, fixtures.gru!],
      ...cases.map(([key, ids]) => [key, gruFixtures[key]!.file, ids, gruFixtures[key]!] as [string, string, boolean, OnnxFixture]),
    ];
    for (const [key, file, ids, f] of all) {
      const bytes = fixture(file);
      const ortOut = await runOrt(bytes, { name: ids ? 'ids' : 'input', values: f.input.values, shape: f.input.shape, ids });
      expect(ortOut.dims, key).toEqual(f.output_shape);
      expectClose(ortOut.data, f.output, { atol: TOL, label: `${key}: ORT vs torch` });
      const { model } = await importOnnx(bytes);
      const x = ids ? tensor(f.input.values, f.input.shape, { dtype: 'int32' }) : tensor(f.input.values, f.input.shape);
      expectClose(ortOut.data, model.forward(x).dataSync(), { atol: TOL, label: `${key}: ORT vs cellstate` });
    }
  });

  it('round trip: a cellstate GRU model exports to ONNX GRU nodes and imports back with the same outputs', async () => {
    const config: ModelConfig = {
      format: 'cellstate.sequence-model',
      version: 1,
      batchFirst: true,
      layers: [
        { type: 'gru', name: 'gru', inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, output: 'final' },
        { type: 'linear', name: 'head', inFeatures: 8, outFeatures: 2 },
      ],
    };
    const model = new SequenceModel(config, { seed: 6 });
    const bytes = await exportOnnx(model, { sequenceLens: true });
    expect(decodeOnnxModel(bytes).graph!.node!.filter((n) => n.op_type === 'GRU')).toHaveLength(2);
    const { model: back, config: seen } = await importOnnx(bytes);
    expect(seen.layers[0]).toMatchObject({ type: 'gru', numLayers: 2, bidirectional: true, output: 'final', linearBeforeReset: true });
    const x = tensor(Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 5, 3]);
    expectClose(back.forward(x, { lengths: [5, 2] }).dataSync(), model.forward(x, { lengths: [5, 2] }).dataSync(), { atol: 1e-6, label: 'round trip' });
  });

  it('linear_before_reset = 0 is read (weights and a note) but not built: importOnnx and loadOnnx throw unsupported', async () => {
    const proto = decodeOnnxModel(fixture('torch-gru.onnx'));
    const node = proto.graph!.node!.find((n) => n.op_type === 'GRU')!;
    node.attribute = [...(node.attribute ?? []).filter((a) => a.name !== 'linear_before_reset'), { name: 'linear_before_reset', type: AttributeType.INT, i: 0 }];
    const bytes = encodeOnnxModel(proto);
    const file = readOnnx(bytes);
    expect(file.config.layers[0]).toMatchObject({ type: 'gru', linearBeforeReset: false });
    expect(file.notes.join('\n')).toMatch(/linear_before_reset = 0/);
    const error = await importOnnx(bytes, { source: 'lbr0.onnx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteropError);
    expect(error).toMatchObject({ code: 'unsupported', format: 'onnx', source: 'lbr0.onnx' });
    expect((error as Error).message).toMatch(/layer 'gru' is a GRU with linear_before_reset = 0/);
    const model = new SequenceModel(SequenceModelConfigWithDefaults(readOnnx(fixture('torch-gru.onnx')).config));
    await expect(loadOnnx(model, bytes)).rejects.toMatchObject({ code: 'unsupported' });
    expect(() => new SequenceModel(file.config)).toThrow(/linearBeforeReset = false/);
  });
});

describe('ONNX loaders validate before changing anything', () => {
  it('a wrong-shaped initializer names the tensor, expected and actual shape', async () => {
    const proto = decodeOnnxModel(fixture('torch-bilstm-laststep.onnx'));
    const head = proto.graph!.initializer!.find((t) => t.name === 'head.weight')!;
    head.dims = [2, 9];
    head.raw_data = head.raw_data!.slice(0, 2 * 9 * 4);
    const error = await importOnnx(encodeOnnxModel(proto), { source: 'edited.onnx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteropError);
    expect(error).toMatchObject({ code: 'shape-mismatch', tensor: 'head.weight', expected: [2, 10], actual: [2, 9], source: 'edited.onnx' });
  });

  it('loadOnnx into a model of another size throws and leaves it unchanged', async () => {
    const config = { ...fixtures['bilstm-laststep']!.config!, layers: [{ ...fixtures['bilstm-laststep']!.config!.layers[0]!, hiddenSize: 6 } as never, { type: 'linear', name: 'head', inFeatures: 12, outFeatures: 2 } as never] };
    const model = new SequenceModel(config, { seed: 1 });
    const before = model.namedParameters().map(([, p]) => Array.from(p.value.dataSync()));
    const error = await loadOnnx(model, fixture('torch-bilstm-laststep.onnx')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'shape-mismatch', expected: [24, 3], actual: [20, 3] });
    expect((error as InteropError).tensor).toMatch(/^onnx::LSTM_/);
    expect(model.namedParameters().map(([, p]) => Array.from(p.value.dataSync()))).toEqual(before);
  });

  it('unknown operators on the data path are named', async () => {
    const proto = decodeOnnxModel(fixture('torch-lstm-hn.onnx'));
    const gemm = proto.graph!.node!.find((n) => n.op_type === 'Gemm')!;
    gemm.op_type = 'Conv';
    await expect(importOnnx(encodeOnnxModel(proto))).rejects.toThrow(/node '\/head\/Gemm' \(Conv\): operator Conv is not supported/);
  });

  it('garbage is an invalid-file error', async () => {
    await expect(importOnnx(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toMatchObject({ code: 'invalid-file', format: 'onnx' });
  });
});

function SequenceModelConfigWithDefaults(c: ModelConfig): ModelConfig {
  return new SequenceModel(c).config;
}
