import { beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '@cellstate/tensor';
import { InteropError } from '../errors.js';
import { SequenceModel } from '../model.js';
import { expectClose, fixture, fixtureJson } from '../test-helpers.js';
import { useBackend } from '../test-setup.js';
import { exportOnnx } from './export.js';
import { importOnnx, loadOnnx, readOnnx } from './import.js';
import { decodeOnnxModel, encodeOnnxModel } from './proto.js';
import type { ModelConfig } from '../config.js';

beforeAll(async () => {
  await useBackend('cpu');
});

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
    expectClose(key, y.dataSync(), f.output, TOL);
  });

  it('GRU: weights come out in nn.GRU layout (gates r, z, n); the model cannot be built', async () => {
    const f = fixtures.gru!;
    const file = readOnnx(fixture('torch-gru.onnx'));
    expect(file.config.layers.map((l) => l.type)).toEqual(['gru', 'linear']);
    expect(file.config.layers[0]).toMatchObject({ type: 'gru', name: 'gru', inputSize: 3, hiddenSize: 4, bidirectional: true, output: 'last-step', linearBeforeReset: true });
    for (const [name, t] of Object.entries(f.state_dict!)) {
      const ours = file.tensors.get(name);
      expect(ours, name).toBeDefined();
      expect(ours!.shape, name).toEqual(t.shape);
      expectClose(name, ours!.data, t.values, 1e-7);
    }
    const error = await importOnnx(fixture('torch-gru.onnx')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteropError);
    expect(error).toMatchObject({ code: 'unsupported' });
    expect((error as Error).message).toMatch(/GRU/);
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
    expectClose('round trip', back.forward(ids, { lengths: [4, 2] }).dataSync(), model.forward(ids, { lengths: [4, 2] }).dataSync(), 1e-6);
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
