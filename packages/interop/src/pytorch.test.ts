import { beforeAll, describe, expect, it } from 'vitest';
import { readMany, tensor } from '@cellstate/tensor';
import { GRU, LSTM } from '@cellstate/lstm';
import { InteropError } from './errors.js';
import { SequenceModel } from './model.js';
import { CONFIG_METADATA_KEY, exportPytorch, importPytorch, loadPytorch, readPytorch } from './pytorch.js';
import { fixture, fixtureJson } from './test-helpers.js';
import { useBackend } from './test-setup.js';
import type { ModelConfig } from './config.js';
import { expectClose } from '@cellstate/tensor/testing';

const torchJson = fixtureJson('torch.json');
const bilstm = torchJson.bilstm as { config: ModelConfig; input: { shape: number[]; values: number[] }; lengths: number[]; output: number[]; output_lengths: number[]; lstm_sequence: number[]; names: string[] };
const gruJson = fixtureJson('torch-gru.json');
const torchGru = gruJson.safetensors as typeof bilstm & { gru_sequence: number[] };
const TOL = 2e-5;

beforeAll(async () => {
  await useBackend('cpu');
});

async function values(model: SequenceModel): Promise<Map<string, Float32Array>> {
  const params = model.namedParameters();
  const data = await readMany(params.map(([, p]) => p.value));
  return new Map(params.map(([n], i) => [n, data[i] as Float32Array]));
}

describe('PyTorch safetensors: nn.GRU (2 layers, bidirectional, batch-first) + nn.Linear written by torch 1.13 (tools/fixtures/make_gru_fixtures.py)', () => {
  it('loads by name into a GRU model and reproduces torch outputs, with and without lengths', async () => {
    const model = await importPytorch(fixture('torch-gru.safetensors'), { config: torchGru.config, source: 'torch-gru.safetensors' });
    expect(model.namedParameters().map(([n]) => n).sort()).toEqual([...torchGru.names].sort());
    expect(model.layer('gru')).toBeInstanceOf(GRU);
    const x = tensor(torchGru.input.values, torchGru.input.shape);
    expectClose(model.forward(x).dataSync(), torchGru.output, { atol: TOL, label: 'output' });
    expectClose(model.forward(x, { lengths: torchGru.lengths }).dataSync(), torchGru.output_lengths, { atol: TOL, label: 'output with lengths' });
    const gru = model.layer('gru') as GRU;
    expectClose(gru.forward(x).output.dataSync(), torchGru.gru_sequence, { atol: TOL, label: 'gru output' });
  });

  it('round trip: export writes the same names, shapes and bytes torch wrote; the embedded config rebuilds the GRU', async () => {
    const original = readPytorch(fixture('torch-gru.safetensors'));
    const model = await importPytorch(fixture('torch-gru.safetensors'), { config: torchGru.config });
    const bytes = await exportPytorch(model);
    const again = readPytorch(bytes);
    expect([...again.tensors.keys()].sort()).toEqual([...original.tensors.keys()].sort());
    for (const [name, t] of original.tensors) {
      expect(Buffer.from(again.tensors.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    }
    const back = await importPytorch(bytes);
    expect(back.config.layers[0]).toMatchObject({ type: 'gru', hiddenSize: 5, numLayers: 2, bidirectional: true, output: 'final' });
    expectClose(back.forward(tensor(torchGru.input.values, torchGru.input.shape)).dataSync(), torchGru.output, { atol: TOL, label: 're-imported output' });
  });

  it('a GRU state dict does not load into an LSTM config: the shape mismatch is named', async () => {
    const config = structuredClone(torchGru.config) as ModelConfig;
    (config.layers[0] as { type: string }).type = 'lstm';
    const error = await importPytorch(fixture('torch-gru.safetensors'), { config, source: 'torch-gru.safetensors' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteropError);
    expect(error).toMatchObject({ code: 'shape-mismatch', tensor: 'gru.weight_ih_l0', expected: [20, 3], actual: [15, 3], source: 'torch-gru.safetensors' });
  });
});

describe('PyTorch safetensors: nn.LSTM (2 layers, bidirectional) + nn.Linear written by torch 1.13', () => {
  it('loads by name and reproduces torch outputs, with and without lengths', async () => {
    const model = await importPytorch(fixture('torch-bilstm.safetensors'), { config: bilstm.config, source: 'torch-bilstm.safetensors' });
    expect(model.namedParameters().map(([n]) => n).sort()).toEqual([...bilstm.names].sort());
    const x = tensor(bilstm.input.values, bilstm.input.shape);
    expectClose(model.forward(x).dataSync(), bilstm.output, { atol: TOL, label: 'output' });
    expectClose(model.forward(x, { lengths: bilstm.lengths }).dataSync(), bilstm.output_lengths, { atol: TOL, label: 'output with lengths' });
    // The LSTM alone gives torch's full output sequence.
    const lstm = model.layer('lstm') as LSTM;
    expectClose(lstm.forward(x).output.dataSync(), bilstm.lstm_sequence, { atol: TOL, label: 'lstm output' });
  });

  it('round trip: export writes the same names, shapes and bytes torch wrote, plus the config', async () => {
    const original = readPytorch(fixture('torch-bilstm.safetensors'));
    const model = await importPytorch(fixture('torch-bilstm.safetensors'), { config: bilstm.config });
    const bytes = await exportPytorch(model);
    const again = readPytorch(bytes);
    expect([...again.tensors.keys()].sort()).toEqual([...original.tensors.keys()].sort());
    for (const [name, t] of original.tensors) {
      expect(again.tensors.get(name)!.shape, name).toEqual(t.shape);
      expect(Buffer.from(again.tensors.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    }
    expect(again.metadata.format).toBe('pt');
    expect(JSON.parse(again.metadata[CONFIG_METADATA_KEY]!)).toEqual(model.config);
    // The config travels with the file: no config needed to import it again.
    const back = await importPytorch(bytes);
    expectClose(back.forward(tensor(bilstm.input.values, bilstm.input.shape)).dataSync(), bilstm.output, { atol: TOL, label: 're-imported output' });
  });

  it('loads the LSTM part into a bare LSTM module (strict: false reports the rest)', async () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, batchFirst: true });
    // Names in the file are prefixed 'lstm.': a module with that child loads them.
    const holder = new SequenceModel({ format: 'cellstate.sequence-model', version: 1, batchFirst: true, layers: [{ type: 'lstm', name: 'lstm', inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true }] });
    const report = await loadPytorch(holder, fixture('torch-bilstm.safetensors'), { strict: false });
    expect(report.loaded).toHaveLength(16);
    expect(report.unexpected.sort()).toEqual(['head.bias', 'head.weight']);
    lstm.dispose();
  });
});

describe('PyTorch loaders validate before changing anything', () => {
  const cases: [string, (c: ModelConfig) => void, Partial<InteropError>][] = [
    ['wrong hidden size', (c) => {
      (c.layers[0] as { hiddenSize: number }).hiddenSize = 6;
      (c.layers[1] as { inFeatures: number }).inFeatures = 12;
    }, { code: 'shape-mismatch', tensor: 'lstm.weight_ih_l0', expected: [24, 3], actual: [20, 3] }],
    ['wrong input size', (c) => ((c.layers[0] as { inputSize: number }).inputSize = 4), { code: 'shape-mismatch', tensor: 'lstm.weight_ih_l0', expected: [20, 4], actual: [20, 3] }],
    ['one layer too many', (c) => ((c.layers[0] as { numLayers: number }).numLayers = 3), { code: 'missing-tensor', tensor: 'lstm.weight_ih_l2' }],
    ['one layer too few', (c) => ((c.layers[0] as { numLayers: number }).numLayers = 1), { code: 'unexpected-tensor' }],
    ['head too wide', (c) => ((c.layers[1] as { outFeatures: number }).outFeatures = 3), { code: 'shape-mismatch', tensor: 'head.weight', expected: [3, 10], actual: [2, 10] }],
  ];
  it.each(cases)('%s: typed error names the first mismatch; the model keeps its values', async (_label, mutate, want) => {
    const config = structuredClone(bilstm.config);
    mutate(config);
    const model = new SequenceModel(config, { seed: 3 });
    const before = await values(model);
    const error = await loadPytorch(model, fixture('torch-bilstm.safetensors'), { source: 'torch-bilstm.safetensors' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteropError);
    expect(error).toMatchObject({ format: 'pytorch', source: 'torch-bilstm.safetensors', ...want });
    expect((error as Error).message).toContain('torch-bilstm.safetensors');
    if (want.tensor) expect((error as Error).message).toContain(want.tensor);
    const after = await values(model);
    for (const [name, v] of before) expect(Buffer.from(after.get(name)!.buffer).equals(Buffer.from(v.buffer)), name).toBe(true);
  });

  it('a damaged file is an invalid-file InteropError', async () => {
    const bytes = fixture('torch-bilstm.safetensors').slice(0, 200);
    await expect(importPytorch(bytes, { config: bilstm.config })).rejects.toMatchObject({ code: 'invalid-file', format: 'pytorch' });
  });

  it('a file without config needs one', async () => {
    await expect(importPytorch(fixture('torch-bilstm.safetensors'))).rejects.toMatchObject({ code: 'invalid-config' });
  });
});
