// The GRU layer (composed from tensor ops, no GRU kernel) and a full training step run
// unchanged on the WebGPU backend and give the CPU backend's numbers. In CI WebGPU is
// SwiftShader (Vulkan on the CPU) through Dawn; the suite skips, with the reason in its
// title, where no adapter exists.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { Adam, Linear, crossEntropyLoss } from '@cellstate/nn';
import { backward, readMany, registerBackend, removeBackend, reshape, scope, setBackend, slice, tensor, type Backend } from '@cellstate/tensor';
import { GRU } from './gru-layer.js';
import { seeded } from './test-setup.js';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;

let gpu: Backend | null = null;
let reason = '';
try {
  const { createWebGpuBackend } = await import('@cellstate/backend-webgpu/node');
  gpu = await createWebGpuBackend({ allowSoftware: true });
  if (!gpu) reason = 'no WebGPU adapter (Dawn found none)';
} catch (error) {
  reason = `WebGPU could not start: ${error instanceof Error ? error.message : String(error)}`;
}

async function trainingStep(backendName: string, lengths: number[] | undefined) {
  await setBackend(backendName);
  const T = 7, B = 3, I = 5, H = 6, C = 4;
  const r = seeded(23);
  // Counter-based init: the same seeds give the same weights on both backends.
  const gru = new GRU({ inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 3 });
  const head = new Linear(2 * H, C, { seed: 4 });
  const params = [...gru.namedParameters().map(([n, p]) => [`gru.${n}`, p] as const), ...head.namedParameters().map(([n, p]) => [`head.${n}`, p] as const)];
  const optimizer = new Adam(params, { learningRate: 0.01 });
  const x = tensor(r(T * B * I), [T, B, I]);
  const h0 = tensor(r(4 * B * H), [4, B, H]);
  const labels = tensor([0, 3, 1], [B], { dtype: 'int32' });
  const kept = scope(() => {
    const { output, h } = gru.forward(x, { h0, ...(lengths ? { lengths } : {}) });
    const last = reshape(slice(h, [2, 0, 0], [2, B, H]), [2, B, H]);
    const features = reshape(slice(output, [0, 0, 0], [1, B, 2 * H]), [B, 2 * H]);
    const logits = head.forward(features);
    const loss = crossEntropyLoss(logits, labels);
    optimizer.step(backward(loss));
    return [output, last, loss];
  });
  const values = await readMany([...kept, ...params.map(([, p]) => p.value)]);
  for (const t of kept) t.dispose();
  x.dispose();
  h0.dispose();
  labels.dispose();
  optimizer.dispose();
  gru.dispose();
  head.dispose();
  return values.map((v) => Array.from(v));
}

describe.skipIf(!gpu)(`GRU on webgpu vs cpu${gpu ? '' : ` (skipped: ${reason})`}`, () => {
  registerBackend('webgpu-gru-test', () => gpu, { priority: -10, autoSelect: false });
  afterAll(async () => {
    removeBackend('webgpu-gru-test');
    await setBackend('cpu');
  });

  for (const lengths of [undefined, [7, 4, 1]]) {
    it(`2-layer bidirectional forward, cross-entropy, BPTT and an Adam step agree${lengths ? ' (with lengths)' : ''}`, async () => {
      const cpu = await trainingStep('cpu', lengths);
      const webgpu = await trainingStep('webgpu-gru-test', lengths);
      const labels = ['output', 'final h of layer 2', 'loss'];
      cpu.forEach((values, k) => {
        const other = webgpu[k]!;
        expect(other.length).toBe(values.length);
        let worst = 0;
        values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - other[i]!))));
        expect(worst, `${labels[k] ?? `parameter ${k - 3} after the Adam step`}: max abs difference ${worst}`).toBeLessThan(2e-5);
      });
    }, 120_000);
  }
});
