import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  add,
  backward,
  concat,
  memory,
  mul,
  noGrad,
  reshape,
  scope,
  slice,
  sum,
  tensor,
  transpose,
  type Tensor,
} from '@cellstate/tensor';
import { checkGradients, expectClose, type ReferenceBackend } from '@cellstate/tensor/testing';
import { GRU } from './gru-layer.js';
import { gruSequence } from './gru-sequence.js';
import { describeOnFixtureBackends, expectFixtureGradients, expectInputGradients, expectParameterGradients, withFixtureModule, type FixtureStateDict } from './test-helpers.js';
import { useBackend, seeded } from './test-setup.js';
import oneLayer from './__fixtures__/gru-1layer.json' with { type: 'json' };
import bidirBatchFirst from './__fixtures__/gru-2layer-bidir-batchfirst-h0.json' with { type: 'json' };
import bidirLengths from './__fixtures__/gru-2layer-bidir-lengths.json' with { type: 'json' };
import oddH1 from './__fixtures__/gru-odd-h1-b1-t1.json' with { type: 'json' };
import oddH3 from './__fixtures__/gru-odd-h3-b1-nobias.json' with { type: 'json' };

interface Fixture {
  name: string;
  torch_version: string;
  config: { inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean; batchFirst: boolean; bias: boolean };
  T: number;
  B: number;
  lengths: number[] | null;
  state_dict: FixtureStateDict;
  x: { shape: number[]; values: number[] };
  h0: number[] | null;
  w_out: number[];
  w_h: number[];
  output: { shape: number[]; values: number[] };
  h_n: number[];
  loss: number;
  grads: Record<string, number[]>;
  grad_x: number[];
  grad_h0: number[] | null;
}
const fixtures = [oneLayer, bidirBatchFirst, bidirLengths, oddH1, oddH3] as unknown as Fixture[];

/** Exact values on the float64 reference backend (dataSync rounds to float32). */
function f64(t: Tensor): Float64Array {
  return (t.backend as ReferenceBackend).readFloat64(t.handle);
}

describeOnFixtureBackends('GRU vs PyTorch nn.GRU fixtures on %s', (tol) => {
  for (const f of fixtures) {
    it(`${f.name}: output, h_n and the gradients of every parameter, the input${f.h0 ? ' and h0' : ''} (torch ${f.torch_version})`, () => {
      const L = f.config.numLayers * (f.config.bidirectional ? 2 : 1);
      const H = f.config.hiddenSize;
      withFixtureModule(() => new GRU(f.config), f.state_dict, (gru) => {
        const x = tensor(f.x.values, f.x.shape);
        x.requiresGrad = true;
        const h0 = f.h0 ? tensor(f.h0, [L, f.B, H]) : undefined;
        if (h0) h0.requiresGrad = true;
        const out = gru.forward(x, { ...(h0 ? { h0 } : {}), ...(f.lengths ? { lengths: f.lengths } : {}) });
        expect(out.output.shape).toEqual(f.output.shape);
        expect(out.h.shape).toEqual([L, f.B, H]);
        expectClose(out.output.dataSync(), f.output.values, { atol: tol, label: 'output' });
        expectClose(out.h.dataSync(), f.h_n, { atol: tol, label: 'h_n' });
        const loss = add(sum(mul(out.output, tensor(f.w_out, f.output.shape))), sum(mul(out.h, tensor(f.w_h, [L, f.B, H]))));
        expectClose(loss.dataSync(), [f.loss], { atol: tol * 10, label: 'loss' });
        expectFixtureGradients(loss, gru, f.grads, [['x', x, f.grad_x], ['h0', h0, f.grad_h0]], tol * 10);
      });
    });
  }
});

describe('GRU with per-sample lengths', () => {
  beforeAll(async () => {
    await useBackend('reference');
  });

  it.each([
    ['time-major', false],
    ['batch-first', true],
  ])('%s, 2 layers, bidirectional: each sample equals the sample run alone at its own length; padding outputs zero and gets no gradient', (_label, batchFirst) => {
    const r = seeded(21);
    const [T, B, I, H, L] = [6, 4, 3, 2, 2];
    const lengths = [6, 3, 1, 0];
    const gru = new GRU({ inputSize: I, hiddenSize: H, numLayers: L, bidirectional: true, batchFirst, seed: 3 });
    const before = memory();
    scope(() => {
      const xv = r(T * B * I);
      const h0v = r(L * 2 * B * H);
      const x = tensor(xv, batchFirst ? [B, T, I] : [T, B, I]);
      const h0 = tensor(h0v, [L * 2, B, H]);
      x.requiresGrad = true;
      const out = gru.forward(x, { h0, lengths });
      const y = f64(out.output);
      const h = f64(out.h);
      const g = backward(sum(out.output), { inputs: [x] }).get(x)!.dataSync();
      const at = (t: number, b: number, width: number, j: number) => (batchFirst ? (b * T + t) * width + j : (t * B + b) * width + j);
      for (let b = 0; b < B; b++) {
        const len = lengths[b]!;
        // Padded steps: zero output, zero gradient into the input.
        for (let t = len; t < T; t++) {
          for (let j = 0; j < 2 * H; j++) expect(Math.abs(y[at(t, b, 2 * H, j)]!), `y[t=${t}, b=${b}]`).toBe(0);
          for (let k = 0; k < I; k++) expect(Math.abs(g[at(t, b, I, k)]!), `grad x[t=${t}, b=${b}]`).toBe(0);
        }
        // The same sample alone, unpadded (length 0: no steps at all).
        const xb = batchFirst ? slice(x, [b, 0, 0], [1, len, I]) : slice(x, [0, b, 0], [len, 1, I]);
        const alone = gru.forward(xb, { h0: slice(h0, [0, b, 0], [L * 2, 1, H]) });
        const ya = f64(alone.output);
        for (let t = 0; t < len; t++) for (let j = 0; j < 2 * H; j++) expect(y[at(t, b, 2 * H, j)]).toBeCloseTo(ya[t * 2 * H + j]!, 12);
        const ha = f64(alone.h);
        for (let l = 0; l < L * 2; l++) for (let j = 0; j < H; j++) expect(h[(l * B + b) * H + j]).toBeCloseTo(ha[l * H + j]!, 12);
      }
    });
    expect(memory().handles).toBe(before.handles);
    gru.dispose();
  });

  it('lengths as an int32 tensor give the same result as an array; all lengths = T gives the unmasked result', () => {
    const r = seeded(22);
    const gru = new GRU({ inputSize: 2, hiddenSize: 3, seed: 4 });
    scope(() => {
      const x = tensor(r(5 * 2 * 2), [5, 2, 2]);
      const a = gru.forward(x, { lengths: [5, 2] });
      const b = gru.forward(x, { lengths: tensor([5, 2], [2], { dtype: 'int32' }) });
      expect(Array.from(b.output.dataSync())).toEqual(Array.from(a.output.dataSync()));
      expect(Array.from(b.h.dataSync())).toEqual(Array.from(a.h.dataSync()));
      const full = gru.forward(x, { lengths: [5, 5] });
      const plain = gru.forward(x);
      expect(Array.from(full.output.dataSync())).toEqual(Array.from(plain.output.dataSync()));
    });
    gru.dispose();
  });
});

describe('GRU gradients against finite differences (float64 reference backend)', () => {
  beforeAll(async () => {
    await useBackend('reference');
  });

  it('input and h0 (2 layers, bidirectional, with lengths)', () => {
    const r = seeded(31);
    const gru = new GRU({ inputSize: 2, hiddenSize: 2, numLayers: 2, bidirectional: true, seed: 7 });
    scope(() => {
      const x = tensor(r(4 * 2 * 2), [4, 2, 2]);
      const h0 = tensor(r(4 * 2 * 2), [4, 2, 2]);
      const check = checkGradients((xx: Tensor, hh: Tensor) => {
        const o = gru.forward(xx, { h0: hh, lengths: [4, 2] });
        return concat([reshape(o.output, [4 * 2 * 4]), reshape(o.h, [4 * 2 * 2])], 0);
      }, [x, h0]);
      expect(check.inputs).toHaveLength(2);
      expectInputGradients(check, 1e-7);
    });
    gru.dispose();
  });

  it('every parameter (2 layers, bidirectional, batch-first, with h0)', () => {
    const r = seeded(32);
    const gru = new GRU({ inputSize: 2, hiddenSize: 2, numLayers: 2, bidirectional: true, batchFirst: true, seed: 8 });
    scope(() => {
      const x = tensor(r(2 * 3 * 2), [2, 3, 2]);
      const h0 = tensor(r(4 * 2 * 2), [4, 2, 2]);
      const wOut = tensor(r(2 * 3 * 4), [2, 3, 4]);
      const wH = tensor(r(4 * 2 * 2), [4, 2, 2]);
      expectParameterGradients(gru, () => {
        const o = gru.forward(x, { h0 });
        return add(sum(mul(o.output, wOut)), sum(mul(o.h, wH)));
      });
    });
    gru.dispose();
  });
});

describe('GRU layer behaviour', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('names parameters like PyTorch nn.GRU', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true });
    expect(gru.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0:6x3', 'weight_hh_l0:6x2', 'bias_ih_l0:6', 'bias_hh_l0:6',
      'weight_ih_l0_reverse:6x3', 'weight_hh_l0_reverse:6x2', 'bias_ih_l0_reverse:6', 'bias_hh_l0_reverse:6',
      'weight_ih_l1:6x4', 'weight_hh_l1:6x2', 'bias_ih_l1:6', 'bias_hh_l1:6',
      'weight_ih_l1_reverse:6x4', 'weight_hh_l1_reverse:6x2', 'bias_ih_l1_reverse:6', 'bias_hh_l1_reverse:6',
    ]);
    gru.dispose();
    const noBias = new GRU({ inputSize: 3, hiddenSize: 2, bias: false });
    expect(noBias.namedParameters().map(([n]) => n)).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    noBias.dispose();
  });

  it('initialises U(±1/√H), seeded: same seed, same weights; another seed, others', () => {
    const a = new GRU({ inputSize: 3, hiddenSize: 4, seed: 1 });
    const b = new GRU({ inputSize: 3, hiddenSize: 4, seed: 1 });
    const c = new GRU({ inputSize: 3, hiddenSize: 4, seed: 2 });
    const wa = a.stateDict().get('weight_hh_l0')!.dataSync();
    expect(Array.from(b.stateDict().get('weight_hh_l0')!.dataSync())).toEqual(Array.from(wa));
    expect(Array.from(c.stateDict().get('weight_hh_l0')!.dataSync())).not.toEqual(Array.from(wa));
    for (const [, p] of a.namedParameters()) for (const v of p.value.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(0.5);
    for (const m of [a, b, c]) m.dispose();
  });

  it('batchFirst is the time-major layer on transposed input; dropout between layers acts only in training', () => {
    const r = seeded(41);
    const tm = new GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, seed: 5 });
    const bf = new GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, seed: 5, batchFirst: true });
    const dropped = new GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, seed: 5, dropout: 0.5 });
    scope(() => {
      const x = tensor(r(4 * 2 * 2), [4, 2, 2]);
      const a = tm.forward(x);
      const b = bf.forward(transpose(x, [1, 0, 2]));
      expect(b.output.shape).toEqual([2, 4, 3]);
      expect(Array.from(transpose(b.output, [1, 0, 2]).dataSync())).toEqual(Array.from(a.output.dataSync()));
      expect(Array.from(b.h.dataSync())).toEqual(Array.from(a.h.dataSync()));
      const d1 = dropped.forward(x).output.dataSync();
      const d2 = dropped.forward(x).output.dataSync();
      expect(Array.from(d1)).not.toEqual(Array.from(d2));
      dropped.eval();
      expect(Array.from(dropped.forward(x).output.dataSync())).toEqual(Array.from(a.output.dataSync()));
    });
    for (const m of [tm, bf, dropped]) m.dispose();
  });

  it('an empty sequence (T = 0) returns h0 as the final state', () => {
    const gru = new GRU({ inputSize: 2, hiddenSize: 3, seed: 1 });
    scope(() => {
      const h0 = tensor([1, 2, 3, 4, 5, 6], [1, 2, 3]);
      const out = gru.forward(tensor([], [0, 2, 2]), { h0 });
      expect(out.output.shape).toEqual([0, 2, 3]);
      expect(Array.from(out.h.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    });
    gru.dispose();
  });

  it('rejects bad input with typed errors naming the module, expected and actual shape', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true });
    const before = memory();
    scope(() => {
      const x = tensor(new Array(12).fill(0), [2, 2, 3]);
      const wrongI = tensor(new Array(8).fill(0), [2, 2, 2]);
      expect(() => gru.forward(wrongI)).toThrow(ShapeError);
      expect(() => gru.forward(wrongI)).toThrow('GRU.forward: input must be [T, B, I] with I = 3; expected [T, B, 3]; got [2, 2, 2]');
      expect(() => gru.forward(reshape(x, [4, 3]))).toThrow(/GRU.forward: input must be \[T, B, I\].*got \[4, 3\]/);
      const error = (() => {
        try {
          gru.forward(wrongI);
        } catch (e) {
          return e as ShapeError;
        }
      })();
      expect(error).toMatchObject({ op: 'GRU.forward', expected: '[T, B, 3]', actual: [2, 2, 2] });
      expect(() => gru.forward(x, { h0: tensor(new Array(8).fill(0), [2, 2, 2]) })).toThrow(/GRU.forward: h0 must be \[numLayers \* directions, B, H\]; expected \[4, 2, 2\]; got \[2, 2, 2\]/);
      expect(() => gru.forward(x, { lengths: [2, 3] })).toThrow(ArgumentError);
      expect(() => gru.forward(x, { lengths: [2, 3] })).toThrow(/lengths\[1\] = 3 is outside \[0, 2\]/);
      expect(() => gru.forward(x, { lengths: [2] })).toThrow(/GRU.forward: lengths needs one entry per sample; expected \[2\]; got \[1\]/);
      expect(() => gru.forward(x, { lengths: tensor([2, 2], [2]) })).toThrow(DTypeError);
      expect(() => gru.forward(x, { lengths: tensor([2, 2], [2]) })).toThrow('GRU.forward: lengths must be int32 (or an array of numbers); expected int32; got float32');
    });
    expect(() => new GRU({ inputSize: 0, hiddenSize: 2 })).toThrow(/GRU: inputSize must be a positive integer/);
    expect(() => new GRU({ inputSize: 2, hiddenSize: 2, dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
    expect(memory().handles).toBe(before.handles);
    gru.dispose();
  });

  it('gruSequence checks its weights', () => {
    scope(() => {
      const x = tensor(new Array(6).fill(0), [1, 2, 3]);
      const h0 = tensor(new Array(4).fill(0), [2, 2]);
      expect(() => gruSequence({ x, wIh: tensor(new Array(24).fill(0), [8, 3]), wHh: tensor(new Array(12).fill(0), [6, 2]), h0 })).toThrow(/gruSequence: wIh has the wrong shape .*expected \[6, 3\]; got \[8, 3\]/);
    });
  });

  it('training: loss falls on a tiny task and nothing leaks', () => {
    const gru = new GRU({ inputSize: 1, hiddenSize: 4, seed: 2 });
    const before = memory();
    const x = tensor([0.5, -0.5, 1, 0.25, -1, 0.75], [3, 2, 1]);
    const target = tensor([0.3, -0.2, 0.1, 0.4, -0.1, 0.2, -0.3, 0.05], [2, 4]);
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      scope(() => {
        const o = gru.forward(x);
        const last = reshape(slice(o.output, [2, 0, 0], [1, 2, 4]), [2, 4]);
        const diff = add(last, mul(target, -1));
        const loss = sum(mul(diff, diff));
        losses.push(loss.dataSync()[0]!);
        const grads = backward(loss);
        noGrad(() => {
          for (const p of gru.parameters()) p.assign(add(p.value, mul(grads.get(p.value)!, -0.1)));
        });
      });
    }
    expect(losses[29]!).toBeLessThan(losses[0]! * 0.5);
    x.dispose();
    target.dispose();
    expect(memory().handles).toBe(before.handles);
    expect(memory().tapeNodes).toBe(0);
    gru.dispose();
  });
});
