// Files written by cellstate, read by PyTorch and the ONNX checker (Python is optional:
// CI uses the committed fixtures; the Python checks skip, saying why, without torch/onnx).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '@cellstate/tensor';
import type { ModelConfig } from './config.js';
import { SequenceModel } from './model.js';
import { exportOnnx } from './onnx/export.js';
import { exportPytorch, importPytorch } from './pytorch.js';
import { FIXTURES, fixture, fixtureJson, PYTHON, pythonMissing, REPO } from './test-helpers.js';
import { useBackend } from './test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

const ref = fixtureJson('cellstate-bilstm.json') as { config: ModelConfig; input: { shape: number[]; values: number[] }; lengths: number[]; output: number[]; output_lengths: number[] };

beforeAll(async () => {
  await useBackend('cpu');
});

describe('the committed cellstate export (tools/fixtures/make_cellstate_exports.ts)', () => {
  it('imports back with its embedded config and reproduces the recorded outputs; re-export is byte-identical', async () => {
    const bytes = fixture('cellstate-bilstm.safetensors');
    const model = await importPytorch(bytes);
    expect(model.config).toEqual(ref.config);
    const x = tensor(ref.input.values, ref.input.shape);
    expectClose(model.forward(x).dataSync(), ref.output, { atol: 1e-6, label: 'output' });
    expectClose(model.forward(x, { lengths: ref.lengths }).dataSync(), ref.output_lengths, { atol: 1e-6, label: 'output with lengths' });
    expect(Buffer.from(await exportPytorch(model)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(await exportOnnx(model)).equals(Buffer.from(fixture('cellstate-bilstm.onnx')))).toBe(true);
  });
});

const missing = pythonMissing(['torch', 'onnx']);
const torchMissing = missing.torch;
const onnxNote = missing.onnx ? ` (ONNX checker part skipped: ${missing.onnx})` : '';

describe('Python reads what cellstate writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellstate-interop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!!torchMissing)(
    `torch 1.13 loads cellstate-bilstm.safetensors strictly into the module built from its config and gets cellstate's outputs; onnx.checker accepts the ONNX exports${torchMissing ? ` [skipped: ${torchMissing}]` : onnxNote}`,
    async () => {
      const embed = new SequenceModel(
        {
          format: 'cellstate.sequence-model',
          version: 1,
          batchFirst: false,
          layers: [
            { type: 'embedding', name: 'embed', numEmbeddings: 9, embeddingDim: 3, maskZero: true },
            { type: 'lstm', name: 'lstm', inputSize: 3, hiddenSize: 4, bidirectional: true, output: 'last-step' },
            { type: 'linear', name: 'head', inFeatures: 8, outFeatures: 2 },
            { type: 'activation', name: 'probs', function: 'softmax' },
          ],
        },
        { seed: 1 },
      );
      const path = join(dir, 'embed.onnx');
      writeFileSync(path, await exportOnnx(embed));
      const run = spawnSync(PYTHON, [join(REPO, 'tools/fixtures/check_cellstate_exports.py'), '--onnx', join(FIXTURES, 'cellstate-bilstm.onnx'), path], { encoding: 'utf8', timeout: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as { ok: boolean; max_abs_diff: number; config_from_metadata: boolean; onnx: string | { checked: Record<string, { ops: string[] }> } };
      expect(summary.ok).toBe(true);
      expect(summary.config_from_metadata).toBe(true);
      expect(summary.max_abs_diff).toBeLessThan(2e-5);
      if (!missing.onnx) {
        expect(typeof summary.onnx).toBe('object');
        const checked = (summary.onnx as { checked: Record<string, { ops: string[] }> }).checked;
        expect(Object.keys(checked)).toEqual(['cellstate-bilstm.onnx', 'embed.onnx']);
        expect(checked['embed.onnx']!.ops).toContain('LSTM');
      }
    },
    120_000,
  );
  it.skipIf(!!torchMissing)(
    `torch 1.13 loads a cellstate GRU export (2-layer bidirectional nn.GRU + Linear) strictly and gets cellstate's outputs, with and without lengths; onnx.checker accepts its ONNX GRU export${torchMissing ? ` [skipped: ${torchMissing}]` : onnxNote}`,
    async () => {
      const model = new SequenceModel(
        {
          format: 'cellstate.sequence-model',
          version: 1,
          batchFirst: true,
          layers: [
            { type: 'gru', name: 'gru', inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, output: 'final' },
            { type: 'linear', name: 'head', inFeatures: 8, outFeatures: 2 },
            { type: 'activation', name: 'act', function: 'tanh' },
          ],
        },
        { seed: 3 },
      );
      const input = { shape: [3, 5, 3], values: Array.from({ length: 45 }, (_, i) => Math.sin(i * 0.7)) };
      const lengths = [5, 3, 1];
      const x = tensor(input.values, input.shape);
      const json = { input, lengths, output: Array.from(model.forward(x).dataSync()), output_lengths: Array.from(model.forward(x, { lengths }).dataSync()) };
      writeFileSync(join(dir, 'gru.safetensors'), await exportPytorch(model));
      writeFileSync(join(dir, 'gru.json'), JSON.stringify(json));
      writeFileSync(join(dir, 'gru.onnx'), await exportOnnx(model));
      const run = spawnSync(PYTHON, [join(REPO, 'tools/fixtures/check_cellstate_exports.py'), '--safetensors', join(dir, 'gru.safetensors'), '--json', join(dir, 'gru.json'), '--onnx', join(dir, 'gru.onnx')], { encoding: 'utf8', timeout: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as { ok: boolean; max_abs_diff: number; parameters: string[]; onnx: string | { checked: Record<string, { ops: string[] }> } };
      expect(summary.ok).toBe(true);
      expect(summary.max_abs_diff).toBeLessThan(2e-5);
      expect(summary.parameters).toContain('gru.weight_hh_l1_reverse');
      if (!missing.onnx) expect((summary.onnx as { checked: Record<string, { ops: string[] }> }).checked['gru.onnx']!.ops).toContain('GRU');
    },
    120_000,
  );
});
