/**
 * The kernel configurations `WebGpuBackend.warmup()` compiles ahead of time: every
 * family in its common configurations (float32, both elementwise layouts, the four
 * matmul transposes in the backend's variant, the bias matmul in both variants).
 */
import { adamStepKernel } from './kernels/adam-step.wgsl.js';
import { fillKernel, stridedCopyKernel } from './kernels/copy.wgsl.js';
import { elementwiseKernel } from './kernels/elementwise.wgsl.js';
import { gatherKernel } from './kernels/gather.wgsl.js';
import { gruStepBackwardKernel } from './kernels/gru-step-backward.wgsl.js';
import { gruStepKernel } from './kernels/gru-step.wgsl.js';
import { lstmStepBackwardKernel } from './kernels/lstm-step-backward.wgsl.js';
import { lstmStepKernel } from './kernels/lstm-step.wgsl.js';
import { matmulKernel } from './kernels/matmul.wgsl.js';
import { randomKernel } from './kernels/random.wgsl.js';
import { reduceKernel } from './kernels/reduce.wgsl.js';
import { softmaxCrossEntropyKernel } from './kernels/softmax-cross-entropy.wgsl.js';
import type { PipelineCache } from './pipeline-cache.js';

/** Compiles the common kernels; rejects with a WgslCompileError for one that does not compile. */
export async function warmupKernels(p: PipelineCache, variant: 'tiled' | 'blocked'): Promise<void> {
  const tasks: Promise<void>[] = [
    p.warmup(stridedCopyKernel, {}),
    p.warmup(fillKernel, {}),
    p.warmup(gatherKernel, {}),
    p.warmup(softmaxCrossEntropyKernel, {}),
    p.warmup(adamStepKernel, {}),
    p.warmup(randomKernel, { distribution: 'uniform' }),
    p.warmup(randomKernel, { distribution: 'bernoulli' }),
  ];
  for (const op of ['neg', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'relu', 'abs', 'add', 'sub', 'mul', 'div', 'maximum', 'greater', 'equal', 'where'] as const) {
    for (const layout of ['contiguous', 'strided'] as const) tasks.push(p.warmup(elementwiseKernel, { op, dtype: 'float32', layout }));
  }
  for (const transposeA of [false, true]) for (const transposeB of [false, true]) tasks.push(p.warmup(matmulKernel, { transposeA, transposeB, bias: false, variant }));
  for (const op of ['sum', 'max', 'argmax'] as const) tasks.push(p.warmup(reduceKernel, { op, dtype: 'float32' }));
  for (const step of [lstmStepKernel, lstmStepBackwardKernel, gruStepKernel, gruStepBackwardKernel]) tasks.push(p.warmup(step, { batchTile: 1 }));
  for (const v of ['tiled', 'blocked'] as const) tasks.push(p.warmup(matmulKernel, { transposeA: false, transposeB: true, bias: true, variant: v }));
  await Promise.all(tasks);
}
