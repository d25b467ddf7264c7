// The fused LSTM kernels (forward + backward) against the reference composition:
// through the op layer on a CPU backend with the fused kernels on, versus
// `lstmSequenceReference` on the float64 reference backend and the composed path on a
// CPU backend with them off. Gradients come from autograd through the composition.
import {
  add,
  backward,
  clearTape,
  lstmSequence,
  lstmSequenceReference,
  memory,
  mul,
  readMany,
  scope,
  sum,
  tensor,
  type Backend,
  type Tensor,
} from '@cellstate/tensor';
import { createReferenceBackend, expectClose, mulberry32, type ReferenceBackend } from '@cellstate/tensor/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../cpu-backend.js';
import { lstmReserveLayout } from '@cellstate/tensor/backend-kit';
import { lstmSequence as lstmSequenceKernel } from './lstm-sequence.js';
import { lstmSequenceBackward as lstmSequenceBackwardKernel } from './lstm-sequence-backward.js';

interface Case {
  T: number;
  B: number;
  I: number;
  H: number;
  lengths?: number[];
  reverse?: boolean;
  /** Which outputs the loss reads (the others get no gradient: dy / dhT / dcT null). */
  terms?: { y?: boolean; h?: boolean; c?: boolean };
  /** Half-width of the weight distribution (larger saturates the gates). */
  weightScale?: number;
}

const LABELS = ['y', 'hT', 'cT', 'dx', 'dwIh', 'dwHh', 'dBias', 'dh0', 'dc0'];

function uniform(rng: () => number, n: number, low = -1, high = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = low + (high - low) * rng();
  return out;
}

function valuesFor(c: Case, seed: number) {
  const { T, B, I, H } = c;
  const rng = mulberry32(seed);
  const w = c.weightScale ?? 0.5;
  return {
    x: uniform(rng, T * B * I),
    wIh: uniform(rng, 4 * H * I, -w, w),
    wHh: uniform(rng, 4 * H * H, -w, w),
    bias: uniform(rng, 4 * H, -w, w),
    h0: uniform(rng, B * H),
    c0: uniform(rng, B * H),
    wy: uniform(rng, T * B * H),
    wh: uniform(rng, B * H),
    wc: uniform(rng, B * H),
  };
}

/**
 * y, hT, cT and the six gradients of sum(wy·y) + sum(wh·hT) + sum(wc·cT) (selected
 * terms). A gradient is missing where the composition never used the input (wHh at T = 0).
 */
function run(backend: Backend, path: 'op' | 'reference', c: Case, v: ReturnType<typeof valuesFor>): (Tensor | undefined)[] {
  const { T, B, I, H } = c;
  const terms = c.terms ?? { y: true, h: true, c: true };
  return scope(() => {
    const mk = (values: Float32Array, shape: number[]) => {
      const t = tensor(values, shape, { backend });
      t.requiresGrad = true;
      return t;
    };
    const ins = { x: mk(v.x, [T, B, I]), wIh: mk(v.wIh, [4 * H, I]), wHh: mk(v.wHh, [4 * H, H]), bias: mk(v.bias, [4 * H]), h0: mk(v.h0, [B, H]), c0: mk(v.c0, [B, H]) };
    const lengths = c.lengths ? tensor(c.lengths, [B], { dtype: 'int32', backend }) : undefined;
    const args = { ...ins, ...(lengths ? { lengths } : {}), reverse: c.reverse ?? false };
    const out = path === 'op' ? lstmSequence(args) : lstmSequenceReference(args);
    const parts: Tensor[] = [];
    if (terms.y) parts.push(sum(mul(out.y, tensor(v.wy, [T, B, H], { backend }))));
    if (terms.h) parts.push(sum(mul(out.hT, tensor(v.wh, [B, H], { backend }))));
    if (terms.c) parts.push(sum(mul(out.cT, tensor(v.wc, [B, H], { backend }))));
    const loss = parts.reduce((a, b) => add(a, b));
    const order = [ins.x, ins.wIh, ins.wHh, ins.bias, ins.h0, ins.c0];
    const grads = backward(loss, { inputs: order });
    return [out.y, out.hT, out.cT, ...order.map((t) => grads.get(t))];
  });
}

function title(c: Case): string {
  const t = c.terms ?? { y: true, h: true, c: true };
  const loss = [t.y ? 'y' : '', t.h ? 'hT' : '', t.c ? 'cT' : ''].filter(Boolean).join('+');
  return `T=${c.T} B=${c.B} I=${c.I} H=${c.H}${c.lengths ? ` lengths=[${c.lengths}]` : ''}${c.reverse ? ' reverse' : ''} loss(${loss})${c.weightScale ? ` w±${c.weightScale}` : ''}`;
}

/** Fused op layer on CPU vs the composition on the float64 reference and on CPU without fusion. */
async function compare(c: Case, seed: number): Promise<void> {
  const v = valuesFor(c, seed);
  // The plain TypeScript kernels and the WebAssembly ones (where SIMD exists) behind the same op.
  const fusedBackends = [createCpuBackend({ simd: false }), createCpuBackend({ threads: 1 })];
  const composedCpu = createCpuBackend({ fused: false, simd: false });
  const reference: ReferenceBackend = createReferenceBackend();
  const composed = run(composedCpu, 'op', c, v);
  const expected = run(reference, 'reference', c, v);
  try {
    for (const cpu of fusedBackends) {
      const kind = cpu.kernelInfo.simd ? 'wasm' : 'plain';
      const fused = run(cpu, 'op', c, v);
      try {
        // The fused backward returns every gradient.
        expect(fused.every((t) => t !== undefined)).toBe(true);
        const got = await readMany(fused as Tensor[]);
        for (let i = 0; i < LABELS.length; i++) {
          const forward = i < 3;
          const atol = forward ? 2e-5 : 2e-4 * Math.max(1, c.T / 10);
          const rtol = forward ? 1e-4 : 1e-3;
          const e = expected[i];
          const label = `${title(c)}: fused (${kind}) ${LABELS[i]}`;
          if (e === undefined) {
            // Unused by the composition (only at T = 0): the fused gradient is zero.
            expect(got[i]!.every((x) => x === 0), label).toBe(true);
            continue;
          }
          const want = reference.readFloat64(e.handle);
          expect(got[i]!.length, label).toBe(want.length);
          expectClose(got[i]!, want, { atol, rtol, label: `${label} vs float64 reference` });
          expectClose(got[i]!, (await composed[i]!.data()) as Float32Array, { atol, rtol, label: `${label} vs composed cpu` });
        }
      } finally {
        for (const t of fused) t?.dispose();
      }
      // The fused path left no reserve and no stray handle behind.
      expect(cpu.memory().handles).toBe(0);
    }
  } finally {
    for (const t of [...composed, ...expected]) t?.dispose();
  }
  // ... and no tape node (the count is global: checked once everything is disposed).
  expect(memory(fusedBackends[0]!).tapeNodes).toBe(0);
  for (const cpu of fusedBackends) cpu.dispose();
}

describe('fused lstmSequence + backward vs the reference composition', () => {
  const cases: Case[] = [
    { T: 1, B: 1, I: 1, H: 1 },
    { T: 1, B: 1, I: 1, H: 1, reverse: true },
    { T: 1, B: 3, I: 2, H: 5 },
    { T: 4, B: 1, I: 3, H: 1 },
    { T: 5, B: 3, I: 5, H: 7 },
    { T: 5, B: 3, I: 5, H: 7, reverse: true },
    { T: 6, B: 5, I: 6, H: 9, lengths: [6, 0, 3, 1, 5] },
    { T: 6, B: 5, I: 6, H: 9, lengths: [6, 0, 3, 1, 5], reverse: true },
    { T: 4, B: 2, I: 3, H: 2, lengths: [0, 0] },
    { T: 4, B: 2, I: 3, H: 2, lengths: [0, 0], reverse: true },
    { T: 3, B: 4, I: 4, H: 4, lengths: [3, 3, 3, 3] },
    { T: 5, B: 6, I: 8, H: 8, lengths: [5, 2, 0, 5, 4, 1], reverse: true },
    { T: 3, B: 2, I: 4, H: 3, weightScale: 4 }, // saturated gates
    { T: 200, B: 2, I: 3, H: 3, lengths: [200, 0] },
    { T: 200, B: 3, I: 2, H: 5, lengths: [117, 200, 1], reverse: true },
    { T: 200, B: 1, I: 1, H: 1 },
    { T: 9, B: 7, I: 13, H: 17, lengths: [9, 8, 0, 9, 4, 2, 7] }, // both GEMM tails (4x4 blocks)
    { T: 0, B: 2, I: 3, H: 4 },
    { T: 3, B: 0, I: 2, H: 3 },
    { T: 3, B: 2, I: 0, H: 3 },
  ];
  cases.forEach((c, k) => {
    it(title(c), () => compare(c, 1000 + k), 60_000);
  });

  // Gradients that do not reach y, hT or cT arrive as null (dy / dhT / dcT).
  const partial: Case['terms'][] = [{ y: true }, { h: true }, { c: true }, { y: true, h: true }, { y: true, c: true }, { h: true, c: true }];
  for (const terms of partial) {
    for (const base of [
      { T: 5, B: 3, I: 4, H: 6, lengths: [5, 2, 0] },
      { T: 5, B: 3, I: 4, H: 6, lengths: [1, 5, 3], reverse: true },
    ] satisfies Case[]) {
      const c: Case = { ...base, terms };
      it(title(c), () => compare(c, 2000 + c.T + (c.reverse ? 1 : 0)), 60_000);
    }
  }
});

describe('lstmSequence kernels directly', () => {
  it('keeps the carried state in the reserve and zeroes y at masked steps', () => {
    const [T, B, I, H] = [4, 2, 3, 2];
    const rng = mulberry32(5);
    const x = uniform(rng, T * B * I);
    const wIh = uniform(rng, 4 * H * I);
    const wHh = uniform(rng, 4 * H * H);
    const bias = uniform(rng, 4 * H);
    const h0 = uniform(rng, B * H);
    const c0 = uniform(rng, B * H);
    const layout = lstmReserveLayout(T, B, H);
    for (const reverse of [false, true]) {
      const y = new Float32Array(T * B * H).fill(NaN);
      const hT = new Float32Array(B * H);
      const cT = new Float32Array(B * H);
      const reserve = new Float32Array(layout.size).fill(NaN); // every element must be written
      lstmSequenceKernel(x, wIh, wHh, bias, h0, c0, Int32Array.from([4, 1]), reverse, T, B, I, H, y, hT, cT, reserve);
      expect(reserve.every(Number.isFinite)).toBe(true);
      expect(y.every(Number.isFinite)).toBe(true);
      // Sample 1 runs one real step: t = 0 (its first step in both directions).
      const firstStep = reverse ? T - 1 : 0;
      for (let t = 1; t < T; t++) expect(Array.from(y.subarray((t * B + 1) * H, (t * B + 2) * H))).toEqual([0, 0]);
      // Its h_prev at t = 0 is h0 in both directions (reverse skips the padded steps).
      expect(Array.from(reserve.subarray(layout.hPrev + (0 * B + 1) * H, layout.hPrev + (0 * B + 2) * H))).toEqual(Array.from(h0.subarray(H, 2 * H)));
      // Its final state is its t = 0 output.
      expect(Array.from(hT.subarray(H, 2 * H))).toEqual(Array.from(y.subarray(B * 0 * H + H, 2 * H)));
      // Sample 0 is full length: its h_prev at the first processed step is h0.
      expect(Array.from(reserve.subarray(layout.hPrev + firstStep * B * H, layout.hPrev + firstStep * B * H + H))).toEqual(Array.from(h0.subarray(0, H)));
    }
  });

  it('gives zero gradients (and leaves dh0 = dc0 = 0) when dy, dhT and dcT are all null', () => {
    const [T, B, I, H] = [3, 2, 2, 3];
    const rng = mulberry32(9);
    const x = uniform(rng, T * B * I);
    const wIh = uniform(rng, 4 * H * I);
    const wHh = uniform(rng, 4 * H * H);
    const bias = uniform(rng, 4 * H);
    const state = uniform(rng, B * H);
    const reserve = new Float32Array(lstmReserveLayout(T, B, H).size);
    lstmSequenceKernel(x, wIh, wHh, bias, state, state, null, false, T, B, I, H, new Float32Array(T * B * H), new Float32Array(B * H), new Float32Array(B * H), reserve);
    const outs = [new Float32Array(T * B * I), new Float32Array(4 * H * I), new Float32Array(4 * H * H), new Float32Array(4 * H), new Float32Array(B * H), new Float32Array(B * H)] as const;
    for (const o of outs) o.fill(NaN);
    lstmSequenceBackwardKernel(x, wIh, wHh, null, false, T, B, I, H, null, null, null, reserve, ...outs);
    for (const o of outs) expect(o.every((v) => v === 0)).toBe(true);
  });

  it('passes dhT and dcT straight to dh0 and dc0 when every sample has length 0', () => {
    const [T, B, I, H] = [3, 2, 2, 2];
    const cpu = createCpuBackend();
    const f = (n: number, v = 0.5) => cpu.upload(new Float32Array(n).fill(v), [n], 'float32');
    const shaped = (n: number, shape: number[], v?: number) => ({ ...f(n, v), shape });
    const args = {
      x: shaped(T * B * I, [T, B, I]),
      wIh: shaped(4 * H * I, [4 * H, I]),
      wHh: shaped(4 * H * H, [4 * H, H]),
      bias: shaped(4 * H, [4 * H]),
      h0: shaped(B * H, [B, H], 0.25),
      c0: shaped(B * H, [B, H], -0.75),
      lengths: cpu.upload([0, 0], [B], 'int32'),
      reverse: false,
    };
    const r = cpu.lstmSequence(args);
    expect(Array.from(cpu.readSync(r.y))).toEqual(new Array(T * B * H).fill(0));
    expect(Array.from(cpu.readSync(r.hT))).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(cpu.readSync(r.cT))).toEqual([-0.75, -0.75, -0.75, -0.75]);
    const dhT = cpu.upload([1, 2, 3, 4], [B, H], 'float32');
    const dcT = cpu.upload([5, 6, 7, 8], [B, H], 'float32');
    const dy = cpu.fill([T, B, H], 'float32', 9);
    const g = cpu.lstmSequenceBackward({ ...args, dy, dhT, dcT, y: r.y, reserve: r.reserve });
    expect(Array.from(cpu.readSync(g.dh0))).toEqual([1, 2, 3, 4]);
    expect(Array.from(cpu.readSync(g.dc0))).toEqual([5, 6, 7, 8]);
    for (const h of [g.dx, g.dwIh, g.dwHh, g.dBias]) expect(Array.from(cpu.readSync(h)).every((v) => v === 0)).toBe(true);
  });

  it('rejects a reserve that does not match the shapes', () => {
    const cpu = createCpuBackend();
    const h = (shape: number[]) => cpu.fill(shape, 'float32', 0);
    const args = { x: h([2, 1, 1]), wIh: h([4, 1]), wHh: h([4, 1]), bias: h([4]), h0: h([1, 1]), c0: h([1, 1]), reverse: false };
    const r = cpu.lstmSequence(args);
    expect(() => cpu.lstmSequenceBackward({ ...args, dy: null, dhT: h([1, 1]), dcT: null, y: r.y, reserve: h([3]) })).toThrow(/reserve/);
  });

  it('records one tape node whose reserve is freed by backward, by clearTape, or at once without grad', () => {
    const cpu = createCpuBackend();
    const [T, B, I, H] = [3, 2, 2, 3];
    const make = (requiresGrad: boolean) => {
      const mk = (shape: number[]) => {
        const t = tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.1), shape, { backend: cpu });
        t.requiresGrad = requiresGrad;
        return t;
      };
      return { x: mk([T, B, I]), wIh: mk([4 * H, I]), wHh: mk([4 * H, H]), bias: mk([4 * H]), h0: mk([B, H]), c0: mk([B, H]) };
    };
    // Without grad the reserve is released right away: 6 inputs + y, hT, cT.
    const plain = make(false);
    const out = lstmSequence(plain);
    expect(cpu.memory().handles).toBe(9);
    expect(memory(cpu).tapeNodes).toBe(0);
    for (const t of [...Object.values(plain), out.y, out.hT, out.cT]) t.dispose();
    expect(cpu.memory().handles).toBe(0);
    // With grad: one node holding the reserve; backward frees it.
    const ins = make(true);
    const r = lstmSequence(ins);
    expect(memory(cpu).tapeNodes).toBe(1);
    expect(cpu.memory().handles).toBe(10);
    const grads = scope(() => backward(sum(r.y)));
    expect(memory(cpu).tapeNodes).toBe(0);
    for (const g of grads.values()) g.dispose();
    for (const t of [...Object.values(ins), r.y, r.hT, r.cT]) t.dispose();
    expect(cpu.memory().handles).toBe(0);
    // clearTape frees it too.
    const again = make(true);
    const r2 = lstmSequence(again);
    clearTape();
    for (const t of [...Object.values(again), r2.y, r2.hT, r2.cT]) t.dispose();
    expect(cpu.memory().handles).toBe(0);
  });
});
