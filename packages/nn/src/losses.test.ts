import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, ShapeError, backward, clearTape, memory, scope, tensor, type Tensor } from '@cellstate/tensor';
import { checkGradients } from '@cellstate/tensor/testing';
import { crossEntropyLoss, mseLoss, type Reduction } from './losses.js';
import { IndexOutOfRangeError } from './check-indices.js';
import { flat, labelled, loadPytorchFixture, tolerance, useBackend, useReferenceBackend } from './test-setup.js';
import { expectClose } from '@cellstate/tensor/testing';

/** Plain-JS F.cross_entropy (class indices), written from PyTorch's definition. */
function crossEntropyReference(
  logits: number[][],
  labels: number[],
  options: { weight?: number[]; ignoreIndex: number; labelSmoothing: number; reduction: Reduction },
): number | number[] {
  const c = logits[0]!.length;
  const w = options.weight ?? new Array(c).fill(1);
  const eps = options.labelSmoothing;
  const perRow: number[] = [];
  let denominator = 0;
  logits.forEach((row, n) => {
    const y = labels[n]!;
    if (y === options.ignoreIndex) {
      perRow.push(0);
      return;
    }
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    const logp = row.map((v) => v - lse);
    const nll = -w[y]! * logp[y]!;
    let smooth = 0;
    for (let k = 0; k < c; k++) smooth -= w[k]! * logp[k]!;
    perRow.push((1 - eps) * nll + (eps / c) * smooth);
    denominator += w[y]!;
  });
  if (options.reduction === 'none') return perRow;
  const total = perRow.reduce((a, b) => a + b, 0);
  return options.reduction === 'sum' ? total : total / denominator;
}

function randomMatrix(rows: number, cols: number, seed: number): number[][] {
  let s = seed;
  const next = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 6 - 3;
  return Array.from({ length: rows }, () => Array.from({ length: cols }, next));
}

const int32 = (values: number[]) => tensor(values, [values.length], { dtype: 'int32' });

describe('mseLoss', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });
  afterEach(() => clearTape());

  it('mean, sum and none match plain JS', () => {
    const p = [1, 2.5, -3, 4, 0, 2];
    const t = [0.5, 2, -1, 4, 1, -2];
    const sq = p.map((v, i) => (v - t[i]!) ** 2);
    const pred = tensor(p, [2, 3]);
    const target = tensor(t, [2, 3]);
    expectClose(mseLoss(pred, target).dataSync(), [sq.reduce((a, b) => a + b) / 6], { atol: 1e-6, rtol: 1e-6 });
    expectClose(mseLoss(pred, target, { reduction: 'sum' }).dataSync(), [sq.reduce((a, b) => a + b)], { atol: 1e-6, rtol: 1e-6 });
    const none = mseLoss(pred, target, { reduction: 'none' });
    expect(none.shape).toEqual([2, 3]);
    expectClose(none.dataSync(), sq, { atol: 1e-6, rtol: 1e-6 });
  });

  it('gradient passes a finite-difference check; shape and dtype errors are typed', () => {
    const pred = tensor([[0.1, 0.7], [-0.3, 2]]);
    const target = tensor([[1, 0], [0, 1]]);
    const r = checkGradients((p) => mseLoss(p, target), [pred]);
    expectClose(r.inputs[0]!.analytic, r.inputs[0]!.numeric, { atol: 1e-6, rtol: 1e-5 });
    expect(() => mseLoss(pred, tensor([1, 2]))).toThrow(ShapeError);
    expect(() => mseLoss(pred, tensor([[1, 0], [0, 1]], undefined, { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => mseLoss(pred, target, { reduction: 'avg' as Reduction })).toThrow(ArgumentError);
  });
});

describe('crossEntropyLoss vs a plain-JS reference', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });
  afterEach(() => clearTape());

  const logits = randomMatrix(7, 4, 12345);
  const weight = [0.5, 2, 1, 0.25];
  const cases: [string, number[], number][] = [
    ['ignoreIndex -100 (out of range)', [0, 3, -100, 1, 2, -100, 3], -100],
    ['ignoreIndex 2 (a real class)', [0, 3, 2, 1, 2, 0, 3], 2],
  ];
  for (const [name, labels, ignoreIndex] of cases) {
    for (const useWeight of [false, true]) {
      for (const labelSmoothing of [0, 0.2]) {
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          it(`${name}, weight ${useWeight}, smoothing ${labelSmoothing}, ${reduction}`, () => {
            const out = crossEntropyLoss(tensor(logits), int32(labels), {
              weight: useWeight ? tensor(weight) : undefined,
              ignoreIndex,
              labelSmoothing,
              reduction,
            });
            const expected = crossEntropyReference(logits, labels, { weight: useWeight ? weight : undefined, ignoreIndex, labelSmoothing, reduction });
            expect(out.shape).toEqual(reduction === 'none' ? [7] : []);
            expectClose(out.dataSync(), typeof expected === 'number' ? [expected] : expected, { atol: 1e-6, rtol: 1e-6 });
          });
        }
      }
    }
  }

  it('gradients pass finite-difference checks (weights + ignoreIndex + smoothing)', () => {
    const x = tensor(randomMatrix(5, 3, 7));
    const labels = int32([0, 2, -100, 1, 2]);
    for (const labelSmoothing of [0, 0.3]) {
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        const r = checkGradients((l) => crossEntropyLoss(l, labels, { weight: tensor([0.3, 1.5, 0.8]), labelSmoothing, reduction }), [x]);
        expectClose(r.inputs[0]!.analytic, r.inputs[0]!.numeric, { atol: 1e-6, rtol: 1e-5, label: `${reduction} ${labelSmoothing}` });
      }
    }
  });

  it("'mean' over only ignored rows is NaN, as in PyTorch", () => {
    const out = crossEntropyLoss(tensor([[1, 2]]), int32([-100]));
    expect(Number.isNaN(out.dataSync()[0])).toBe(true);
  });

  it('checks labels on the host: IndexOutOfRangeError names label and row', () => {
    expect(() => crossEntropyLoss(tensor([[1, 2], [3, 4]]), int32([1, 2]))).toThrow(IndexOutOfRangeError);
    expect(() => crossEntropyLoss(tensor([[1, 2], [3, 4]]), int32([1, 2]))).toThrow(/id 2 at position \[1\]/);
    expect(() => crossEntropyLoss(tensor([[1, 2], [3, 4]]), int32([1, 5]), { ignoreIndex: 5 })).not.toThrow();
  });

  it('throws typed errors for shapes, dtypes and options', () => {
    const x = tensor([[1, 2, 3]]);
    expect(() => crossEntropyLoss(x, int32([0, 1]))).toThrow(ShapeError);
    expect(() => crossEntropyLoss(tensor([1, 2, 3]), int32([0]))).toThrow(ShapeError);
    expect(() => crossEntropyLoss(x, tensor([0]))).toThrow(DTypeError);
    expect(() => crossEntropyLoss(x, int32([0]), { weight: tensor([1, 2]) })).toThrow(ShapeError);
    expect(() => crossEntropyLoss(x, int32([0]), { labelSmoothing: 1.5 })).toThrow(ArgumentError);
  });

  it('leaves nothing behind but the loss', () => {
    const x = tensor(randomMatrix(3, 4, 2));
    const labels = int32([0, 3, -100]);
    const w = tensor([1, 2, 3, 4]);
    const before = memory();
    crossEntropyLoss(x, labels, { weight: w, labelSmoothing: 0.1 }).dispose();
    crossEntropyLoss(x, labels).dispose();
    expect(memory()).toMatchObject({ handles: before.handles, bytesInUse: before.bytesInUse, tensors: before.tensors });
  });
});

describe.each(['reference', 'cpu'] as const)('crossEntropyLoss vs PyTorch F.cross_entropy (%s backend)', (backendName) => {
  const fx = loadPytorchFixture().crossEntropy;
  beforeAll(async () => {
    await useBackend(backendName);
  });
  afterEach(() => clearTape());

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  it.each(labelled(fx.cases, (c: any) => `weight ${c.useWeight}, ignore ${c.ignoreIndex}, smoothing ${c.labelSmoothing}, ${c.reduction}`))(
    '%s',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (_: string, c: any) => {
      const tol = tolerance(backendName);
      scope(() => {
        const logits: Tensor = tensor(fx.logits);
        logits.requiresGrad = true;
        const loss = crossEntropyLoss(logits, int32(c.labels), {
          weight: c.useWeight ? tensor(fx.weight) : undefined,
          ignoreIndex: c.ignoreIndex,
          labelSmoothing: c.labelSmoothing,
          reduction: c.reduction,
        });
        expectClose(loss.dataSync(), flat(c.loss), { ...tol, label: 'loss' });
        const g = backward(loss).get(logits)!;
        expectClose(g.dataSync(), flat(c.gradLogits), { ...tol, label: 'dlogits' });
      });
    },
  );
});
