import { beforeAll, describe, expect, it } from 'vitest';
import { useReferenceBackend, seeded } from '../test-setup.js';
import { tensor } from './creation.js';
import { lstmSequence } from './lstm-sequence.js';
import { scope, memory } from '../memory.js';
import { checkGradients } from '../testing/check-gradients.js';
import { add, mul } from './elementwise.js';
import { sum } from './reduce.js';
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** An independent float64 LSTM written from the equations (PyTorch gate order i, f, g, o). */
function plainLstm(x: number[], T: number, B: number, I: number, H: number, wIh: number[], wHh: number[], b: number[], h0: number[], c0: number[], lengths: number[] | null, reverse: boolean) {
  const y = new Array<number>(T * B * H).fill(0);
  const hT = h0.slice();
  const cT = c0.slice();
  for (let bi = 0; bi < B; bi++) {
    const len = lengths ? lengths[bi]! : T;
    let h = h0.slice(bi * H, bi * H + H);
    let c = c0.slice(bi * H, bi * H + H);
    for (let s = 0; s < len; s++) {
      const t = reverse ? len - 1 - s : s;
      const gates = new Array<number>(4 * H).fill(0);
      for (let r = 0; r < 4 * H; r++) {
        let acc = b[r]!;
        for (let k = 0; k < I; k++) acc += wIh[r * I + k]! * x[(t * B + bi) * I + k]!;
        for (let k = 0; k < H; k++) acc += wHh[r * H + k]! * h[k]!;
        gates[r] = acc;
      }
      const hn = new Array<number>(H);
      const cn = new Array<number>(H);
      for (let j = 0; j < H; j++) {
        const i = sig(gates[j]!);
        const f = sig(gates[H + j]!);
        const g = Math.tanh(gates[2 * H + j]!);
        const o = sig(gates[3 * H + j]!);
        cn[j] = f * c[j]! + i * g;
        hn[j] = o * Math.tanh(cn[j]!);
        y[(t * B + bi) * H + j] = hn[j]!;
      }
      h = hn;
      c = cn;
    }
    for (let j = 0; j < H; j++) {
      hT[bi * H + j] = h[j]!;
      cT[bi * H + j] = c[j]!;
    }
  }
  return { y, hT, cT };
}

describe('lstmSequence (reference composition)', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });

  const configs = [
    { T: 4, B: 3, I: 2, H: 3, lengths: null, reverse: false },
    { T: 5, B: 3, I: 2, H: 2, lengths: [5, 2, 0], reverse: false },
    { T: 5, B: 3, I: 3, H: 2, lengths: [3, 5, 1], reverse: true },
    { T: 1, B: 1, I: 1, H: 1, lengths: null, reverse: true },
  ];

  for (const cfg of configs) {
    it(`matches the equations: T=${cfg.T} B=${cfg.B} I=${cfg.I} H=${cfg.H} lengths=${cfg.lengths} reverse=${cfg.reverse}`, () => {
      const r = seeded(cfg.T * 31 + cfg.H);
      const { T, B, I, H } = cfg;
      const v = { x: r(T * B * I), wIh: r(4 * H * I), wHh: r(4 * H * H), b: r(4 * H), h0: r(B * H), c0: r(B * H) };
      const want = plainLstm(v.x, T, B, I, H, v.wIh, v.wHh, v.b, v.h0, v.c0, cfg.lengths, cfg.reverse);
      const before = memory();
      scope(() => {
        const out = lstmSequence({
          x: tensor(v.x, [T, B, I]),
          wIh: tensor(v.wIh, [4 * H, I]),
          wHh: tensor(v.wHh, [4 * H, H]),
          bias: tensor(v.b, [4 * H]),
          h0: tensor(v.h0, [B, H]),
          c0: tensor(v.c0, [B, H]),
          ...(cfg.lengths ? { lengths: tensor(cfg.lengths, [B], { dtype: 'int32' }) } : {}),
          reverse: cfg.reverse,
        });
        const close = (a: ArrayLike<number>, b: number[]) => b.forEach((e, i) => expect(a[i]).toBeCloseTo(e, 6));
        close(out.y.dataSync(), want.y);
        close(out.hT.dataSync(), want.hT);
        close(out.cT.dataSync(), want.cT);
      });
      expect(memory().handles).toBe(before.handles);
    });
  }

  it('gradients of all six inputs match finite differences, with lengths and reverse', () => {
    const r = seeded(3);
    const T = 3, B = 2, I = 2, H = 2;
    scope(() => {
      const inputs = [tensor(r(T * B * I), [T, B, I]), tensor(r(4 * H * I), [4 * H, I]), tensor(r(4 * H * H), [4 * H, H]), tensor(r(4 * H), [4 * H]), tensor(r(B * H), [B, H]), tensor(r(B * H), [B, H])];
      const lengths = tensor([3, 2], [B], { dtype: 'int32' });
      for (const reverse of [false, true]) {
        const fn = (x: Tensor, wIh: Tensor, wHh: Tensor, bias: Tensor, h0: Tensor, c0: Tensor) => {
          const o = lstmSequence({ x, wIh, wHh, bias, h0, c0, lengths, reverse });
          // Use all three outputs so dy, dhT and dcT all flow.
          return add(add(sum(mul(o.y, o.y)), sum(o.hT)), sum(mul(o.cT, 0.5)));
        };
        const result = checkGradients(fn as (...xs: Tensor[]) => Tensor, inputs);
        for (const { index, analytic, numeric } of result.inputs) {
          numeric.forEach((n, j) => {
            if (Math.abs(analytic[j]! - n) > 1e-6 + 1e-6 * Math.abs(n)) throw new Error(`reverse=${reverse} input ${index}[${j}]: ${analytic[j]} vs ${n}`);
          });
        }
      }
    });
  });

  it('rejects bad shapes with a typed error naming the argument', () => {
    scope(() => {
      const H = 2;
      const args = { x: tensor(new Array(6).fill(0), [1, 2, 3]), wIh: tensor(new Array(4 * H * 2).fill(0), [4 * H, 2]), wHh: tensor(new Array(4 * H * H).fill(0), [4 * H, H]), bias: tensor(new Array(4 * H).fill(0), [4 * H]), h0: tensor([0, 0, 0, 0], [2, 2]), c0: tensor([0, 0, 0, 0], [2, 2]) };
      expect(() => lstmSequence(args)).toThrow(ShapeError);
      expect(() => lstmSequence(args)).toThrow(/lstmSequence: wIh has the wrong shape \(T=1, B=2, I=3, H=2\); expected \[8, 3\]; got \[8, 2\]/);
    });
  });
});
