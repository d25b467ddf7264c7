import { beforeAll, describe, expect, it } from 'vitest';
import { useReferenceBackend, seeded } from '../test-setup.js';
import { checkGradients } from '../testing/check-gradients.js';
import { gradientRules } from './gradient-rules.js';
import type { RecordedOpName } from './op-attrs.js';
import { sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import * as E from '../ops/elementwise.js';
import { sum, max, mean, argmax } from '../ops/reduce.js';
import { matmul } from '../ops/matmul.js';
import { broadcastTo, cast, concat, pad, reshape, slice, split, stack, transpose, unstack } from '../ops/movement.js';
import { gather, scatterAdd } from '../ops/indexing.js';
import { logSoftmax, softmax } from '../ops/activation.js';
import { softmaxCrossEntropy } from '../ops/softmax-cross-entropy.js';
import { randomUniform, randomBernoulli } from '../ops/random.js';
import { memory, scope } from '../memory.js';
import { backward } from './backward.js';
import { getBackend } from '../registry.js';

const rand = seeded(99);
const t = (shape: number[], lo = -1, hi = 1) => tensor(rand(sizeOf(shape), lo, hi), shape);
const ints = (values: number[], shape = [values.length]) => tensor(values, shape, { dtype: 'int32' });

interface Case {
  name: string;
  /** Recorded ops this case exercises (for the coverage check below). */
  ops: RecordedOpName[];
  fn: (...xs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
  /** Inputs to check (default all float32); skip those where a mask makes the function jump. */
  wrt?: number[];
}

const cases: Case[] = [
  { name: 'neg', ops: ['neg'], fn: (x) => E.neg(x), inputs: () => [t([2, 3])] },
  { name: 'exp', ops: ['exp'], fn: (x) => E.exp(x), inputs: () => [t([2, 3])] },
  { name: 'log', ops: ['log'], fn: (x) => E.log(x), inputs: () => [t([2, 3], 0.5, 2)] },
  { name: 'sqrt', ops: ['sqrt'], fn: (x) => E.sqrt(x), inputs: () => [t([2, 3], 0.5, 2)] },
  { name: 'tanh', ops: ['tanh'], fn: (x) => E.tanh(x), inputs: () => [t([2, 3], -3, 3)] },
  { name: 'sigmoid', ops: ['sigmoid'], fn: (x) => E.sigmoid(x), inputs: () => [t([2, 3], -3, 3)] },
  { name: 'relu (away from 0)', ops: ['relu'], fn: (x) => E.relu(x), inputs: () => [tensor([-1.5, -0.3, 0.2, 0.9, 2, -2], [2, 3])] },
  { name: 'abs (away from 0)', ops: ['abs'], fn: (x) => E.abs(x), inputs: () => [tensor([-1.5, -0.3, 0.2, 0.9, 2, -2], [2, 3])] },
  { name: 'add broadcast [2,3]+[3]', ops: ['add'], fn: (a, b) => E.add(a, b), inputs: () => [t([2, 3]), t([3])] },
  { name: 'sub broadcast [2,1]-[1,3]', ops: ['sub'], fn: (a, b) => E.sub(a, b), inputs: () => [t([2, 1]), t([1, 3])] },
  { name: 'mul broadcast [2,3]*[2,1]', ops: ['mul'], fn: (a, b) => E.mul(a, b), inputs: () => [t([2, 3]), t([2, 1])] },
  { name: 'mul by itself', ops: ['mul'], fn: (a) => E.mul(a, a), inputs: () => [t([4])] },
  { name: 'div broadcast', ops: ['div'], fn: (a, b) => E.div(a, b), inputs: () => [t([2, 3]), t([3], 0.5, 2)] },
  { name: 'maximum (no ties)', ops: ['maximum'], fn: (a, b) => E.maximum(a, b), inputs: () => [tensor([1, -2, 3, 0.5], [4]), tensor([0, 1, 4, -1], [4])] },
  { name: 'minimum (composed)', ops: ['maximum', 'neg'], fn: (a, b) => E.minimum(a, b), inputs: () => [tensor([1, -2, 3, 0.5], [4]), tensor([0, 1, 4, -1], [4])] },
  { name: 'where with a comparison mask', ops: ['where', 'greater'], fn: (a, b) => E.where(E.greater(a, b), a, b), inputs: () => [tensor([1, -2, 3, 0.5], [2, 2]), tensor([0, 1], [2])] },
  { name: 'where with equal mask', ops: ['where', 'equal'], fn: (a, b) => E.where(E.equal(b, 0), a, E.mul(a, b)), inputs: () => [t([2, 2]), tensor([0, 1, 0, 2], [2, 2])], wrt: [0] },
  { name: 'sum all', ops: ['sum'], fn: (x) => sum(x), inputs: () => [t([2, 3])] },
  { name: 'sum axis 1 keepDims', ops: ['sum'], fn: (x) => sum(x, 1, { keepDims: true }), inputs: () => [t([2, 3, 2])] },
  { name: 'sum axes [0,2]', ops: ['sum'], fn: (x) => sum(x, [0, 2]), inputs: () => [t([2, 3, 2])] },
  { name: 'max axis -1 (no ties)', ops: ['max'], fn: (x) => max(x, -1), inputs: () => [t([3, 4])] },
  { name: 'max all keepDims', ops: ['max'], fn: (x) => max(x, undefined, { keepDims: true }), inputs: () => [t([2, 3])] },
  { name: 'mean axis 0', ops: ['sum', 'div'], fn: (x) => mean(x, 0), inputs: () => [t([3, 2])] },
  { name: 'matmul', ops: ['matmul'], fn: (a, b) => matmul(a, b), inputs: () => [t([3, 4]), t([4, 2])] },
  { name: 'matmul transposeA', ops: ['matmul'], fn: (a, b) => matmul(a, b, { transposeA: true }), inputs: () => [t([4, 3]), t([4, 2])] },
  { name: 'matmul transposeB', ops: ['matmul'], fn: (a, b) => matmul(a, b, { transposeB: true }), inputs: () => [t([3, 4]), t([2, 4])] },
  { name: 'matmul both transposed', ops: ['matmul'], fn: (a, b) => matmul(a, b, { transposeA: true, transposeB: true }), inputs: () => [t([4, 3]), t([2, 4])] },
  { name: 'matmul batched, broadcast batch', ops: ['matmul'], fn: (a, b) => matmul(a, b), inputs: () => [t([2, 1, 3, 4]), t([3, 4, 2])] },
  { name: 'transpose', ops: ['transpose'], fn: (x) => transpose(x, [2, 0, 1]), inputs: () => [t([2, 3, 4])] },
  { name: 'slice', ops: ['slice'], fn: (x) => slice(x, [1, 0, 1], [1, 2, -1]), inputs: () => [t([2, 3, 4])] },
  { name: 'split', ops: ['slice'], fn: (x) => E.mul(...(split(x, [1, 2], 1) as [Tensor, Tensor]).map((p, i) => (i === 0 ? broadcastTo(p, [2, 2]) : p)) as [Tensor, Tensor]), inputs: () => [t([2, 3])] },
  { name: 'concat axis 1', ops: ['concat'], fn: (a, b) => concat([a, b, a], 1), inputs: () => [t([2, 1]), t([2, 3])] },
  { name: 'stack', ops: ['concat', 'reshape'], fn: (a, b) => stack([a, b], 1), inputs: () => [t([2, 3]), t([2, 3])] },
  { name: 'pad', ops: ['pad'], fn: (x) => pad(x, [[1, 0], [2, 1]], 0.5), inputs: () => [t([2, 3])] },
  { name: 'cast to float32', ops: ['cast'], fn: (x) => cast(x, 'float32'), inputs: () => [t([3])] },
  { name: 'unstack axis 0, all pieces used', ops: ['unstack'], fn: (x) => { const u = unstack(x, 0); return E.add(E.mul(u[0]!, u[2]!), u[1]!); }, inputs: () => [t([3, 2, 2])] },
  { name: 'unstack axis 1, one piece unused', ops: ['unstack'], fn: (x) => { const u = unstack(x, 1); return E.mul(u[0]!, u[0]!); }, inputs: () => [t([2, 2, 3])] },
  { name: 'reshape', ops: ['reshape'], fn: (x) => E.mul(reshape(x, [3, 2]), tensor([1, 2, 3, 4, 5, 6], [3, 2])), inputs: () => [t([2, 3])] },
  { name: 'broadcastTo', ops: ['add'], fn: (x) => broadcastTo(x, [4, 2, 3]), inputs: () => [t([2, 1])] },
  { name: 'gather axis 0 with repeats', ops: ['gather'], fn: (x, i) => gather(x, i, 0), inputs: () => [t([4, 3]), ints([3, 0, 3, 1], [2, 2])] },
  { name: 'gather axis 1', ops: ['gather'], fn: (x, i) => gather(x, i, 1), inputs: () => [t([2, 4]), ints([1, 1, 2])] },
  { name: 'scatterAdd', ops: ['scatterAdd'], fn: (x, i, u) => scatterAdd(x, i, u, 0), inputs: () => [t([3, 2]), ints([2, 0, 2]), t([3, 2])] },
  { name: 'softmax', ops: ['exp', 'sub', 'div', 'sum'], fn: (x) => softmax(x), inputs: () => [t([2, 4], -2, 2)] },
  { name: 'logSoftmax axis 0', ops: ['exp', 'log', 'sub', 'sum'], fn: (x) => logSoftmax(x, 0), inputs: () => [t([3, 2], -2, 2)] },
  { name: 'softmaxCrossEntropy loss', ops: ['softmaxCrossEntropy'], fn: (x, y) => softmaxCrossEntropy(x, y).loss, inputs: () => [t([3, 4], -2, 2), ints([1, 3, 0])] },
  { name: 'softmaxCrossEntropy probabilities', ops: ['softmaxCrossEntropy'], fn: (x, y) => softmaxCrossEntropy(x, y).probabilities, inputs: () => [t([3, 4], -2, 2), ints([1, 3, 0])] },
];

// Ops whose rule must say "no gradient", or which have no inputs to differentiate.
const nonDifferentiable: RecordedOpName[] = ['greater', 'equal', 'argmax', 'randomUniform', 'randomBernoulli'];
// Fused ops checked where their fused kernels live (the op layer falls back to the reference composition here).
const checkedElsewhere: RecordedOpName[] = ['lstmSequence', 'gruSequence', 'softmaxCrossEntropy', 'logSoftmax'];

describe('gradient rules vs central finite differences (float64 reference backend)', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });

  for (const c of cases) {
    it(c.name, () => {
      const before = memory();
      scope(() => {
        const inputs = c.inputs();
        const r = checkGradients(c.fn, inputs, c.wrt ? { wrt: c.wrt } : {});
        expect(r.inputs.length).toBeGreaterThan(0);
        for (const { index, analytic, numeric } of r.inputs) {
          for (let j = 0; j < numeric.length; j++) {
            const tol = 1e-6 + 1e-6 * Math.abs(numeric[j]!);
            if (Math.abs(analytic[j]! - numeric[j]!) > tol) {
              throw new Error(`${c.name}: input ${index}, element ${j}: analytic ${analytic[j]} vs numeric ${numeric[j]}`);
            }
          }
        }
      });
      const after = memory();
      expect(after.handles).toBe(before.handles);
      expect(after.bytesInUse).toBe(before.bytesInUse);
      expect(after.tapeNodes).toBe(0);
    });
  }

  it('non-differentiable ops give no gradient and stop the flow', () => {
    scope(() => {
      const x = t([2, 3]);
      x.requiresGrad = true;
      const mask = E.greater(x, 0);
      const eq = E.equal(x, x);
      const idx = argmax(x, 1);
      const total = E.add(sum(E.mul(mask, eq)), sum(cast(idx, 'float32')));
      // The only path from x to total goes through non-differentiable ops.
      const grads = backward(E.add(total, E.mul(sum(x), 0)));
      const g = grads.get(x)!;
      expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
      const r = randomUniform([2], { seed: 1 });
      const b = randomBernoulli([2], 0.5, { seed: 1 });
      expect(r.node).toBeNull();
      expect(b.node).toBeNull();
    });
  });

  it('every recordable op has a rule and a case here (or is listed as non-differentiable)', () => {
    const covered = new Set<RecordedOpName>([...cases.flatMap((c) => c.ops), ...nonDifferentiable, ...checkedElsewhere]);
    const missing = (Object.keys(gradientRules) as RecordedOpName[]).filter((op) => !covered.has(op));
    expect(missing).toEqual(['lstmSequence', 'gruSequence'].filter((op) => !covered.has(op as RecordedOpName)));
    expect(getBackend().name).toBe('reference');
  });
});
