import { beforeAll, describe, expect, it } from 'vitest';
import { randomUniform, tensor } from '@cellstate/tensor';
import type { ModelConfig } from '../config.js';
import { SequenceModel } from '../model.js';
import { useBackend } from '../test-setup.js';
import { describeOnnxExport, exportOnnx } from './export.js';
import { decodeOnnxModel } from './proto.js';
import { expectClose } from '@cellstate/tensor/testing';

// onnxruntime-node ships its native binaries in the npm package (no download at install);
// should they fail to load on some platform, these tests skip and say why.
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

const TOL = 2e-5;

function config(batchFirst: boolean, layers: ModelConfig['layers']): ModelConfig {
  return { format: 'cellstate.sequence-model', version: 1, batchFirst, layers };
}

async function runOrt(bytes: Uint8Array, feeds: Record<string, import('onnxruntime-node').Tensor>): Promise<import('onnxruntime-node').Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run(feeds);
  await session.release();
  return out.output!;
}

describe.skipIf(!!ortMissing)(`ONNX export runs in onnxruntime-node and matches cellstate${ortMissing ? ` [skipped: ${ortMissing}]` : ''}`, () => {
  it('2-layer bidirectional LSTM (final state) + Gemm, batch-first, sequence_lens', async () => {
    const model = new SequenceModel(
      config(true, [
        { type: 'lstm', name: 'lstm', inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, output: 'final' },
        { type: 'linear', name: 'head', inFeatures: 10, outFeatures: 2 },
      ]),
      { seed: 11 },
    );
    const x = randomUniform([3, 6, 3], { seed: 5, low: -1, high: 1 });
    const lengths = [6, 4, 1];
    const bytes = await exportOnnx(model);
    const proto = decodeOnnxModel(bytes);
    expect(proto.graph!.node!.filter((n) => n.op_type === 'LSTM')).toHaveLength(2);
    expect(proto.graph!.node!.some((n) => n.op_type === 'Gemm')).toBe(true);
    expect(proto.graph!.input!.map((i) => i.name)).toEqual(['input', 'sequence_lens']);
    const y = await runOrt(bytes, { input: new ort.Tensor('float32', x.dataSync(), [3, 6, 3]), sequence_lens: new ort.Tensor('int32', Int32Array.from(lengths), [3]) });
    expect(y.dims).toEqual([3, 2]);
    expectClose(y.data as Float32Array, model.forward(x, { lengths }).dataSync(), { atol: TOL, label: 'ORT vs cellstate' });
    // Full lengths give the unmasked result.
    const full = await runOrt(bytes, { input: new ort.Tensor('float32', x.dataSync(), [3, 6, 3]), sequence_lens: new ort.Tensor('int32', Int32Array.from([6, 6, 6]), [3]) });
    expectClose(full.data as Float32Array, model.forward(x).dataSync(), { atol: TOL, label: 'full lengths' });
  });

  it('Embedding (mask_zero lengths computed in the graph) + LSTM sequence + MatMul/Add + Softmax', async () => {
    const model = new SequenceModel(
      config(true, [
        { type: 'embedding', name: 'embed', numEmbeddings: 12, embeddingDim: 4, maskZero: true },
        { type: 'lstm', name: 'lstm', inputSize: 4, hiddenSize: 6, bidirectional: true },
        { type: 'linear', name: 'head', inFeatures: 12, outFeatures: 3 },
        { type: 'activation', name: 'probs', function: 'softmax' },
      ]),
      { seed: 2 },
    );
    const ids = [3, 7, 1, 11, 0, 5, 2, 0, 0, 0];
    const bytes = await exportOnnx(model);
    expect(describeOnnxExport(model.config).inputs.map((i) => i.name)).toEqual(['ids']);
    const y = await runOrt(bytes, { ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [2, 5]) });
    expect(y.dims).toEqual([2, 5, 3]);
    const ours = model.forward(tensor(ids, [2, 5], { dtype: 'int32' })).dataSync();
    expectClose(y.data as Float32Array, ours, { atol: TOL, label: 'ORT vs cellstate' });
  });

  it('time-major LSTM without bias (last step) + Gemm + Relu, opset 14, no sequence_lens', async () => {
    const model = new SequenceModel(
      config(false, [
        { type: 'lstm', name: 'rnn', inputSize: 3, hiddenSize: 4, bias: false, output: 'last-step' },
        { type: 'linear', name: 'fc', inFeatures: 4, outFeatures: 2 },
        { type: 'activation', name: 'act', function: 'relu' },
      ]),
      { seed: 9 },
    );
    const x = randomUniform([5, 2, 3], { seed: 1, low: -1, high: 1 });
    const bytes = await exportOnnx(model, { opsetVersion: 14, sequenceLens: false });
    expect(decodeOnnxModel(bytes).opset_import![0]!.version).toBe(14);
    const y = await runOrt(bytes, { input: new ort.Tensor('float32', x.dataSync(), [5, 2, 3]) });
    expectClose(y.data as Float32Array, model.forward(x).dataSync(), { atol: TOL, label: 'ORT vs cellstate' });
  });

  it('sequence output stays batch-first; stacked unidirectional layers', async () => {
    const model = new SequenceModel(config(true, [{ type: 'lstm', name: 'lstm', inputSize: 2, hiddenSize: 3, numLayers: 3 }]), { seed: 4 });
    const x = randomUniform([2, 4, 2], { seed: 3, low: -1, high: 1 });
    const bytes = await exportOnnx(model);
    const y = await runOrt(bytes, { input: new ort.Tensor('float32', x.dataSync(), [2, 4, 2]), sequence_lens: new ort.Tensor('int32', Int32Array.from([4, 2]), [2]) });
    expect(y.dims).toEqual([2, 4, 3]);
    expectClose(y.data as Float32Array, model.forward(x, { lengths: [4, 2] }).dataSync(), { atol: TOL, label: 'ORT vs cellstate' });
  });
  it('GRU layers: 2-layer bidirectional GRU (final state) + Gemm with sequence_lens; time-major GRU without bias (sequence) + MatMul', async () => {
    const model = new SequenceModel(
      config(true, [
        { type: 'gru', name: 'gru', inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, output: 'final' },
        { type: 'linear', name: 'head', inFeatures: 10, outFeatures: 2 },
      ]),
      { seed: 12 },
    );
    const x = randomUniform([3, 6, 3], { seed: 6, low: -1, high: 1 });
    const lengths = [6, 4, 1];
    const bytes = await exportOnnx(model);
    const proto = decodeOnnxModel(bytes);
    const grus = proto.graph!.node!.filter((n) => n.op_type === 'GRU');
    expect(grus).toHaveLength(2);
    expect(grus[0]!.attribute!.find((a) => a.name === 'linear_before_reset')!.i).toBe(1);
    const y = await runOrt(bytes, { input: new ort.Tensor('float32', x.dataSync(), [3, 6, 3]), sequence_lens: new ort.Tensor('int32', Int32Array.from(lengths), [3]) });
    expect(y.dims).toEqual([3, 2]);
    expectClose(y.data as Float32Array, model.forward(x, { lengths }).dataSync(), { atol: TOL, label: 'ORT vs cellstate (lengths)' });
    const full = await runOrt(bytes, { input: new ort.Tensor('float32', x.dataSync(), [3, 6, 3]), sequence_lens: new ort.Tensor('int32', Int32Array.from([6, 6, 6]), [3]) });
    expectClose(full.data as Float32Array, model.forward(x).dataSync(), { atol: TOL, label: 'ORT vs cellstate (full lengths)' });

    const seq = new SequenceModel(
      config(false, [
        { type: 'gru', name: 'rnn', inputSize: 2, hiddenSize: 3, bias: false },
        { type: 'linear', name: 'fc', inFeatures: 3, outFeatures: 2 },
      ]),
      { seed: 13 },
    );
    const xt = randomUniform([4, 2, 2], { seed: 7, low: -1, high: 1 });
    const seqBytes = await exportOnnx(seq, { opsetVersion: 14 });
    const ys = await runOrt(seqBytes, { input: new ort.Tensor('float32', xt.dataSync(), [4, 2, 2]), sequence_lens: new ort.Tensor('int32', Int32Array.from([4, 2]), [2]) });
    expect(ys.dims).toEqual([4, 2, 2]);
    expectClose(ys.data as Float32Array, seq.forward(xt, { lengths: [4, 2] }).dataSync(), { atol: TOL, label: 'ORT vs cellstate (bias-free, time-major, padded steps)' });
  });
});
