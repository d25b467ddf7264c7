import { beforeAll, describe, expect, it } from 'vitest';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { tensor } from '@cellstate/tensor';
import { InteropError } from '../errors.js';
import { SequenceModel } from '../model.js';
import { fixture, fixtureJson } from '../test-helpers.js';
import { useBackend } from '../test-setup.js';
import { importKeras, loadKeras, readKeras, toSnakeCase } from './keras.js';
import { expectClose } from '@cellstate/tensor/testing';

beforeAll(async () => {
  await useBackend('cpu');
});

type KerasFixture = { input: { shape: number[]; values: number[] }; output_shape: number[]; output: number[] };
const expected = fixtureJson('keras.json') as Record<string, KerasFixture>;
const TOL = 2e-5;

describe('Keras 3 .keras archives (built to the published format; see tools/fixtures/make_keras_fixtures.py)', () => {
  it('Sequential: Embedding -> Bidirectional(LSTM, sequences) -> LSTM -> Dense(softmax) matches the NumPy Keras reference', async () => {
    const f = expected['keras3-sequential']!;
    const { model, config, format, kerasVersion } = await importKeras(fixture('keras3-sequential.keras'), { source: 'keras3-sequential.keras' });
    expect(format).toBe('keras3');
    expect(kerasVersion).toBe('3.3.3');
    expect(config.layers.map((l) => `${l.type}:${l.name}`)).toEqual(['embedding:embedding', 'lstm:bidirectional', 'lstm:lstm_1', 'linear:dense', 'activation:dense_softmax']);
    expect(config.layers[1]).toMatchObject({ bidirectional: true, hiddenSize: 5, inputSize: 6, output: 'sequence' });
    expect(config.layers[2]).toMatchObject({ bidirectional: false, hiddenSize: 4, inputSize: 10, output: 'final' });
    const y = model.forward(tensor(f.input.values, f.input.shape, { dtype: 'int32' }));
    expect(y.shape).toEqual(f.output_shape);
    expectClose(y.dataSync(), f.output, { atol: TOL, label: 'keras3 sequential' });
  });

  it('Functional chain: Input -> Bidirectional(LSTM) -> Dropout -> Dense', async () => {
    const f = expected['keras3-functional']!;
    const { model, config } = await importKeras(fixture('keras3-functional.keras'));
    expect(config.layers.map((l) => l.type)).toEqual(['lstm', 'linear']);
    expect(config.layers[0]).toMatchObject({ bidirectional: true, output: 'final', inputSize: 3 });
    expectClose(model.forward(tensor(f.input.values, f.input.shape)).dataSync(), f.output, { atol: TOL, label: 'keras3 functional' });
  });

  it('a Keras 3 .weights.h5 file loads with the config given separately', async () => {
    const files = unzipSync(fixture('keras3-functional.keras'));
    const kerasConfig = JSON.parse(new TextDecoder().decode(files['config.json']));
    await expect(importKeras(files['model.weights.h5']!)).rejects.toMatchObject({ code: 'invalid-config' });
    const { model, format } = await importKeras(files['model.weights.h5']!, { kerasConfig });
    expect(format).toBe('keras3-weights');
    const f = expected['keras3-functional']!;
    expectClose(model.forward(tensor(f.input.values, f.input.shape)).dataSync(), f.output, { atol: TOL, label: 'weights.h5' });
  });

  it("weights are found by Keras' class-name paths, not layer names", () => {
    const file = readKeras(fixture('keras3-sequential.keras'));
    expect(file.origins.get('lstm_1.weight_ih_l0')).toBe('layers/lstm/cell/vars/0');
    expect(file.origins.get('bidirectional.weight_hh_l0_reverse')).toBe('layers/bidirectional/backward_layer/cell/vars/1');
    expect(toSnakeCase('LSTM')).toBe('lstm');
    expect(toSnakeCase('TimeDistributed')).toBe('time_distributed');
    expect(toSnakeCase('InputLayer')).toBe('input_layer');
  });
});

describe('legacy Keras 2 .h5 (tf.keras model.save("m.h5") layout)', () => {
  it('mask_zero Embedding -> Bidirectional(LSTM) -> LSTM -> Dense(softmax) with trailing padding matches Keras masking', async () => {
    const f = expected['keras2-legacy']!;
    const { model, config, format, kerasVersion } = await importKeras(fixture('keras2-legacy.h5'), { source: 'keras2-legacy.h5' });
    expect(format).toBe('keras2-h5');
    expect(kerasVersion).toBe('2.15.0');
    expect(config.layers[0]).toMatchObject({ type: 'embedding', maskZero: true });
    const y = model.forward(tensor(f.input.values, f.input.shape, { dtype: 'int32' }));
    expectClose(y.dataSync(), f.output, { atol: TOL, label: 'keras2 legacy' });
  });
});

describe('Keras loaders validate before changing anything', () => {
  function editedKeras(mutate: (config: any) => void): Uint8Array {
    const files = unzipSync(fixture('keras3-sequential.keras'));
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    mutate(config);
    return zipSync({ ...files, 'config.json': strToU8(JSON.stringify(config)) });
  }

  it('a config that disagrees with the weights names the Keras tensor, expected and actual shape', async () => {
    const bytes = editedKeras((c) => (c.config.layers[3].config.units = 6));
    const error = await importKeras(bytes, { source: 'edited.keras' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteropError);
    expect(error).toMatchObject({ format: 'keras', code: 'shape-mismatch', tensor: 'layers/lstm/cell/vars/0', expected: [10, 24], actual: [10, 16], source: 'edited.keras' });
    expect((error as Error).message).toContain("kernel of layer 'lstm_1'");
  });

  it('loadKeras into a model of another size throws and leaves the model unchanged', async () => {
    const { config } = readKeras(fixture('keras3-sequential.keras'));
    const other = structuredClone(config);
    (other.layers[3] as { outFeatures: number }).outFeatures = 5;
    const model = new SequenceModel(other, { seed: 1 });
    const before = model.namedParameters().map(([, p]) => Array.from(p.value.dataSync()));
    const error = await loadKeras(model, fixture('keras3-sequential.keras')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'shape-mismatch', tensor: 'layers/dense/vars/0', expected: [5, 4], actual: [3, 4] });
    expect(model.namedParameters().map(([, p]) => Array.from(p.value.dataSync()))).toEqual(before);
  });

  it.each([
    ['hard_sigmoid recurrent activation', (c: any) => (c.config.layers[3].config.recurrent_activation = 'hard_sigmoid'), /recurrent_activation 'hard_sigmoid'/],
    ['GRU', (c: any) => (c.config.layers[3].class_name = 'GRU'), /Keras GRU layers are not converted yet/],
    ['merge_mode sum', (c: any) => (c.config.layers[2].config.merge_mode = 'sum'), /merge_mode 'sum'/],
    ['Conv1D', (c: any) => (c.config.layers[3].class_name = 'Conv1D'), /not supported/],
  ])('unsupported: %s', async (_label, mutate, message) => {
    const error = await importKeras(editedKeras(mutate)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unsupported', format: 'keras' });
    expect((error as Error).message).toMatch(message);
  });

  it('missing weights are named', async () => {
    const files = unzipSync(fixture('keras3-sequential.keras'));
    const bytes = zipSync({ 'config.json': files['config.json']!, 'model.weights.h5': unzipSync(fixture('keras3-functional.keras'))['model.weights.h5']! });
    await expect(importKeras(bytes)).rejects.toMatchObject({ code: 'missing-tensor', tensor: 'layers/embedding' });
  });

  it('not a Keras file', async () => {
    await expect(importKeras(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).rejects.toMatchObject({ code: 'invalid-file' });
  });
});
