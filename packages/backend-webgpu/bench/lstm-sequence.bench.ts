/**
 * LSTM sequence: the fused WebGPU kernels vs the reference composition on WebGPU
 * (`fused: false`: the op layer composes the sequence from primitives, ~15 dispatches
 * per step, and autograd differentiates it) vs the CPU backend's fused kernels, for
 * (T, B, H) = (25, 16, 512) (DeepBench's training shape) and (100, 1, 256), I = H.
 * Forward, and forward + backward (a training step). Every timed iteration ends with
 * `await backend.sync()`. No assertions; it prints times and the ratios.
 *
 *     pnpm --filter @cellstate/backend-webgpu bench            # 3 timed iterations
 *     pnpm --filter @cellstate/backend-webgpu bench --quick    # 1 timed iteration
 *     ... bench --quick --shape=100,1,256                       # one shape
 *
 * On a machine without a GPU, WebGPU runs on SwiftShader (CPU Vulkan): the WebGPU
 * numbers then measure SwiftShader, not a GPU. SwiftShader: correctness only, not GPU speed.
 */
import { existsSync } from 'node:fs';
import { createCpuBackend } from '@cellstate/backend-cpu';
import { add, backward, lstmSequence, scope, sum, tensor, type Backend, type LstmSequenceInput, type Tensor } from '@cellstate/tensor';
import { createWebGpuBackend, type WebGpuBackend } from '../src/node.js';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;

const quick = process.argv.includes('--quick');
const iterations = quick ? 1 : 3;
const only = process.argv.find((a) => a.startsWith('--shape='))?.slice('--shape='.length);
const shapes = [
  { T: 25, B: 16, H: 512 },
  { T: 100, B: 1, H: 256 },
].filter((s) => !only || only === `${s.T},${s.B},${s.H}`);

function values(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * Math.sin(seed + i * 0.7853);
  return out;
}

type Inputs = LstmSequenceInput & { all: Tensor[] };

function inputsFor(backend: Backend, T: number, B: number, I: number, H: number, requiresGrad: boolean): Inputs {
  const w = 1 / Math.sqrt(H);
  const mk = (shape: number[], seed: number, scale: number) => {
    const t = tensor(values(shape.reduce((a, b) => a * b, 1), seed, scale), shape, { backend });
    t.requiresGrad = requiresGrad;
    return t;
  };
  const x = mk([T, B, I], 1, 1);
  const wIh = mk([4 * H, I], 2, w);
  const wHh = mk([4 * H, H], 3, w);
  const bias = mk([4 * H], 4, w);
  const h0 = mk([B, H], 5, 0.1);
  const c0 = mk([B, H], 6, 0.1);
  return { x, wIh, wHh, bias, h0, c0, all: [x, wIh, wHh, bias, h0, c0] };
}

async function time(backend: Backend, run: () => void, warmUp: () => void): Promise<number> {
  warmUp(); // the same ops at T = 2: compiles the pipelines
  await backend.sync();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    run();
    await backend.sync();
  }
  return (performance.now() - start) / iterations;
}

const forward = (ins: Inputs) => () => void scope(() => void lstmSequence(ins));
const training = (ins: Inputs) => () =>
  void scope(() => {
    const { y, hT, cT } = lstmSequence(ins);
    backward(add(add(sum(y), sum(hT)), sum(cT)), { inputs: ins.all });
  });

async function main(): Promise<void> {
  const fused = await createWebGpuBackend({ allowSoftware: true });
  const composed = await createWebGpuBackend({ allowSoftware: true, fused: false });
  const cpu = createCpuBackend();
  if (!fused || !composed) {
    console.log('webgpu: no adapter (install libvulkan1 and set VK_ICD_FILENAMES to a SwiftShader ICD on machines without a GPU)');
    return;
  }
  const device = (fused as WebGpuBackend).adapterDescription;
  console.log(`WebGPU adapter: ${device}${fused.capabilities.isSoftware ? '  (SwiftShader: correctness only, not GPU speed)' : ''}`);
  console.log(`ms per call, mean of ${iterations} (after a T = 2 warm-up that compiles the pipelines); I = H\n`);
  console.log('| T, B, H | pass | webgpu fused | webgpu composed | cpu fused | fused/composed (webgpu) | webgpu fused / cpu fused |');
  console.log('|---|---|---|---|---|---|---|');
  for (const { T, B, H } of shapes) {
    for (const [pass, make] of [['forward', forward], ['forward + backward', training]] as const) {
      const grad = pass !== 'forward';
      const results: number[] = [];
      for (const backend of [fused, composed, cpu] as Backend[]) {
        const ins = inputsFor(backend, T, B, H, H, grad);
        const small = inputsFor(backend, 2, B, H, H, grad);
        results.push(await time(backend, make(ins), make(small)));
        for (const t of [...ins.all, ...small.all]) t.dispose();
      }
      const [f, c, p] = results as [number, number, number];
      console.log(`| ${T}, ${B}, ${H} | ${pass} | ${f.toFixed(1)} | ${c.toFixed(1)} | ${p.toFixed(1)} | ${(f / c).toFixed(2)} | ${(f / p).toFixed(2)} |`);
    }
  }
  fused.dispose();
  composed.dispose();
  cpu.dispose();
}

await main();
