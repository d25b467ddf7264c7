// Every kernel renders, and its cache key changes exactly when its WGSL text changes
// (sizes are uniforms, so they never reach the key). Correctness lives in the
// conformance suite.
import { describe, expect, it } from 'vitest';
import { adamStepKernel } from './adam-step.wgsl.js';
import { fillKernel, stridedCopyKernel } from './copy.wgsl.js';
import { ELEMENTWISE_OPS, elementwiseKernel, type ElementwiseConfig, type ElementwiseOp } from './elementwise.wgsl.js';
import { gatherKernel } from './gather.wgsl.js';
import { grid, type KernelSpec } from './kernel-spec.js';
import { gruStepBackwardKernel } from './gru-step-backward.wgsl.js';
import { gruStepKernel } from './gru-step.wgsl.js';
import { lstmStepBackwardKernel } from './lstm-step-backward.wgsl.js';
import { lstmStepKernel, lstmStepParams } from './lstm-step.wgsl.js';
import { matmulKernel } from './matmul.wgsl.js';
import { randomKernel } from './random.wgsl.js';
import { reduceKernel } from './reduce.wgsl.js';
import { scatterAddKernel } from './scatter-add.wgsl.js';
import { softmaxCrossEntropyKernel } from './softmax-cross-entropy.wgsl.js';

function checkKeys<C>(spec: KernelSpec<C>, configs: C[]): void {
  const byKey = new Map<string, string>();
  const byText = new Map<string, string>();
  for (const c of configs) {
    const key = spec.key(c);
    const text = spec.wgsl(c);
    expect(text).toContain('fn main(');
    // Named uniforms only (uniform-struct.ts): one struct at binding 0, no word indices.
    expect(text).toContain('@group(0) @binding(0) var<uniform> u: Params;');
    expect(text).not.toMatch(/\bUF?\(\d+u/);
    if (byKey.has(key)) expect(byKey.get(key), `${spec.name}: same key ${key}, different text`).toBe(text);
    if (byText.has(text)) expect(byText.get(text), `${spec.name}: same text, different keys`).toBe(key);
    byKey.set(key, text);
    byText.set(text, key);
  }
}

describe('kernel specs', () => {
  it('elementwise: one key per (op, dtype, layout) the table takes', () => {
    const configs: ElementwiseConfig[] = [];
    for (const op of Object.keys(ELEMENTWISE_OPS) as ElementwiseOp[]) {
      for (const dtype of ['float32', 'int32'] as const) {
        if (ELEMENTWISE_OPS[op][dtype] === undefined) continue;
        for (const layout of ['contiguous', 'strided'] as const) configs.push({ op, dtype, layout });
      }
    }
    configs.push({ ...configs[0]! }); // a repeat maps to the same key and text
    checkKeys(elementwiseKernel, configs);
    expect(() => elementwiseKernel.wgsl({ op: 'exp', dtype: 'int32', layout: 'contiguous' })).toThrow(/does not take int32/);
  });

  it('matmul, reduce, random, scatter-add and the LSTM and GRU steps key their text-changing parameters', () => {
    checkKeys(matmulKernel, [true, false].flatMap((transposeA) => [true, false].flatMap((transposeB) => [true, false].flatMap((bias) => (['tiled', 'blocked'] as const).map((variant) => ({ transposeA, transposeB, bias, variant }))))));
    checkKeys(reduceKernel, (['sum', 'max', 'argmax'] as const).flatMap((op) => (['float32', 'int32'] as const).map((dtype) => ({ op, dtype }))));
    checkKeys(randomKernel, [{ distribution: 'uniform' }, { distribution: 'bernoulli' }]);
    checkKeys(scatterAddKernel, [{ dtype: 'float32' }, { dtype: 'int32' }]);
    checkKeys(lstmStepKernel, [1, 2, 3, 4].map((batchTile) => ({ batchTile })));
    checkKeys(lstmStepBackwardKernel, [1, 2, 3, 4].map((batchTile) => ({ batchTile })));
    checkKeys(gruStepKernel, [1, 2, 3, 4].map((batchTile) => ({ batchTile })));
    checkKeys(gruStepBackwardKernel, [1, 2, 3, 4].map((batchTile) => ({ batchTile })));
    for (const spec of [stridedCopyKernel, fillKernel, gatherKernel, softmaxCrossEntropyKernel, adamStepKernel]) checkKeys(spec as KernelSpec<Record<string, never>>, [{}, {}]);
  });

  it('sizes never appear in WGSL text: the uniform block carries them', () => {
    const text = lstmStepKernel.wgsl({ batchTile: 2 });
    expect(text).toContain(lstmStepParams.wgsl);
    expect(text).toContain('let H = u.hidden;');
    expect(text).not.toMatch(/\bH\s*=\s*\d/);
  });

  it('grid spreads more than 65535 workgroups over two dimensions', () => {
    expect(grid(10)).toEqual([10, 1, 1]);
    const [x, y] = grid(100_000);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(100_000);
  });
});
