import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, clearTape, memory, tensor } from '@cellstate/tensor';
import { checkGradients } from '@cellstate/tensor/testing';
import { bceWithLogitsLoss, huberLoss, l1Loss, type Reduction } from './losses.js';
import { useReferenceBackend } from './test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

// Plain-JS references, written from PyTorch's definitions (the naive, unstable forms
// where they are exact enough for these inputs).
const reduceRef = (v: number[], r: Reduction) => (r === 'none' ? v : r === 'sum' ? [v.reduce((a, b) => a + b, 0)] : [v.reduce((a, b) => a + b, 0) / v.length]);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const pred = [0.3, -1.2, 2.5, 0.05, -4, 1];
const target = [0, -1, 0.5, 0.1, 1, 1];
const logits = [2.1, -0.7, 0.4, -3, 5, 0];
const probs = [1, 0, 0.3, 0, 1, 0.5];

describe('l1Loss, huberLoss, bceWithLogitsLoss', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });
  afterEach(() => clearTape());

  for (const reduction of ['mean', 'sum', 'none'] as const) {
    it(`match plain-JS references (${reduction})`, () => {
      const p = tensor(pred, [2, 3]);
      const t = tensor(target, [2, 3]);
      expectClose(l1Loss(p, t, { reduction }).dataSync(), reduceRef(pred.map((v, i) => Math.abs(v - target[i]!)), reduction), { atol: 1e-6, rtol: 1e-6 });
      for (const delta of [1, 0.5, 3]) {
        const huber = pred.map((v, i) => {
          const d = Math.abs(v - target[i]!);
          return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
        });
        expectClose(huberLoss(p, t, { delta, reduction }).dataSync(), reduceRef(huber, reduction), { atol: 1e-6, rtol: 1e-6, label: `delta ${delta}` });
      }
      const bce = logits.map((x, i) => -(probs[i]! * Math.log(sigmoid(x)) + (1 - probs[i]!) * Math.log(1 - sigmoid(x))));
      expectClose(bceWithLogitsLoss(tensor(logits, [2, 3]), tensor(probs, [2, 3]), { reduction }).dataSync(), reduceRef(bce, reduction), { atol: 1e-6, rtol: 1e-6 });
      const w = [0.5, 2, 1, 1, 3, 0.1];
      const pw = [2, 0.5, 1];
      const weighted = logits.map((x, i) => -w[i]! * (pw[i % 3]! * probs[i]! * Math.log(sigmoid(x)) + (1 - probs[i]!) * Math.log(1 - sigmoid(x))));
      const out = bceWithLogitsLoss(tensor(logits, [2, 3]), tensor(probs, [2, 3]), { weight: tensor(w, [2, 3]), posWeight: tensor(pw), reduction });
      expectClose(out.dataSync(), reduceRef(weighted, reduction), { atol: 1e-6, rtol: 1e-6, label: 'weight + posWeight' });
    });
  }

  it('bceWithLogitsLoss stays finite where the naive form overflows', () => {
    // log(1 - σ(60)) is log(0) in float64; the stable form gives 60.
    expectClose(bceWithLogitsLoss(tensor([60, -60]), tensor([0, 1]), { reduction: 'none' }).dataSync(), [60, 60], { atol: 1e-6, rtol: 1e-6 });
  });

  it('gradients pass finite-difference checks', () => {
    // Away from the kinks (|d| = 0 for L1, |d| = δ for Huber), where the derivative exists.
    const p = tensor([[0.3, -1.2, 2.5], [0.6, -4, 1.7]]);
    const t = tensor([[0, -1, 0.5], [0.1, 1, 1]]);
    for (const [name, f] of [
      ['l1', (x: typeof p) => l1Loss(x, t)],
      ['huber', (x: typeof p) => huberLoss(x, t, { delta: 1 })],
      ['huber sum 0.4', (x: typeof p) => huberLoss(x, t, { delta: 0.4, reduction: 'sum' })],
      ['bce', (x: typeof p) => bceWithLogitsLoss(x, tensor([[1, 0, 0.3], [0, 1, 0.5]]), { posWeight: tensor([2, 0.5, 1]) })],
    ] as const) {
      const r = checkGradients(f, [p]);
      expectClose(r.inputs[0]!.analytic, r.inputs[0]!.numeric, { atol: 1e-6, rtol: 1e-5, label: name });
    }
  });

  it('throws typed errors and leaves nothing behind but the loss', () => {
    const p = tensor([1, 2]);
    expect(() => l1Loss(p, tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => huberLoss(p, p, { delta: 0 })).toThrow(ArgumentError);
    expect(() => bceWithLogitsLoss(p, p, { reduction: 'avg' as Reduction })).toThrow(ArgumentError);
    const [zero, label, weight] = [tensor([0, 0]), tensor([0, 1]), tensor([2, 2])];
    const before = memory();
    huberLoss(p, zero).dispose();
    bceWithLogitsLoss(p, label, { posWeight: weight }).dispose();
    expect(memory()).toMatchObject({ handles: before.handles, tensors: before.tensors });
  });
});
