// docs/scaling.md's path, run for real with one process: cellstate model -> safetensors +
// config -> tools/scaling/build_torch_module.py (PyTorch module from the config, DDP with
// world size 1, gloo, CPU) -> trained safetensors -> back into cellstate. Needs
// /usr/bin/python3 with torch; skipped (saying why) without.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backward, scope, tensor } from '@cellstate/tensor';
import { SGD, mseLoss } from '@cellstate/nn';
import { SequenceModel } from './model.js';
import { exportPytorch, importPytorch } from './pytorch.js';
import { PYTHON, pythonMissing, REPO } from './test-helpers.js';
import { useBackend } from './test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

const torchMissing = pythonMissing(['torch']).torch;

beforeAll(async () => {
  await useBackend('cpu');
});

describe('scaling path: PyTorch DistributedDataParallel on a cellstate export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellstate-scaling-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!!torchMissing)(
    `build_torch_module.py rebuilds the model, matches cellstate's forward and SGD losses under DDP (world size 1, gloo), and its trained weights load back${torchMissing ? ` [skipped: ${torchMissing}]` : ''}`,
    async () => {
      const model = new SequenceModel(
        {
          format: 'cellstate.sequence-model',
          version: 1,
          batchFirst: true,
          layers: [
            { type: 'lstm', name: 'lstm', inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, output: 'final' },
            { type: 'linear', name: 'head', inFeatures: 8, outFeatures: 2 },
          ],
        },
        { seed: 21 },
      );
      const B = 4;
      const inputs = Array.from({ length: B * 5 * 3 }, (_, i) => Math.round(Math.cos(i * 0.37) * 1e4) / 1e4);
      const targets = Array.from({ length: B * 2 }, (_, i) => (i % 3) - 1);
      const lengths = [5, 3, 4, 2];
      const nested = (flat: number[], shape: number[]): unknown => (shape.length === 1 ? flat : Array.from({ length: shape[0]! }, (_, i) => nested(flat.slice((i * flat.length) / shape[0]!, ((i + 1) * flat.length) / shape[0]!), shape.slice(1))));
      writeFileSync(join(dir, 'model.safetensors'), await exportPytorch(model));
      writeFileSync(join(dir, 'data.json'), JSON.stringify({ inputs: nested(inputs, [B, 5, 3]), targets: nested(targets, [B, 2]), lengths }));

      const steps = 3;
      const lr = 0.5;
      const run = spawnSync(
        PYTHON,
        [join(REPO, 'tools/scaling/build_torch_module.py'), 'train', '--weights', join(dir, 'model.safetensors'), '--data', join(dir, 'data.json'), '--steps', String(steps), '--lr', String(lr), '--loss', 'mse', '--out', join(dir, 'trained.safetensors')],
        { encoding: 'utf8', timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1' } },
      );
      expect(run.status, run.stderr).toBe(0);
      const torch = JSON.parse(run.stdout) as { world_size: number; backend: string; losses: number[]; initial_output: number[]; final_output: number[] };
      expect(torch.world_size).toBe(1);
      expect(torch.backend).toBe('gloo');

      const x = tensor(inputs, [B, 5, 3]);
      const y = tensor(targets, [B, 2]);
      // Forward: the PyTorch module built from the config computes cellstate's numbers.
      expectClose(torch.initial_output, model.forward(x, { lengths }).dataSync(), { atol: 2e-5, label: 'initial forward' });
      // Training: the same SGD steps give the same losses.
      const optimizer = new SGD(model, { learningRate: lr });
      const losses: number[] = [];
      for (let s = 0; s < steps; s++) {
        const loss = scope(() => {
          const l = mseLoss(model.forward(x, { lengths }), y);
          optimizer.step(backward(l));
          return l;
        });
        losses.push(loss.dataSync()[0]!);
        loss.dispose();
      }
      expectClose(losses, torch.losses, { atol: 2e-5, label: 'losses' });
      expect(losses[steps - 1]!).toBeLessThan(losses[0]!);
      // Back for serving: the weights PyTorch trained load into cellstate and give PyTorch's outputs.
      const trained = await importPytorch(new Uint8Array(readFileSync(join(dir, 'trained.safetensors'))), { source: 'trained.safetensors' });
      expectClose(trained.forward(x, { lengths }).dataSync(), torch.final_output, { atol: 2e-5, label: 'served output' });
      expectClose(model.forward(x, { lengths }).dataSync(), torch.final_output, { atol: 1e-4, label: 'cellstate-trained vs torch-trained' });
    },
    120_000,
  );
});
