// The fused GRU (gru-sequence.ts, gru-sequence-backward.ts) through the op layer on
// WebGPU against the reference composition on the float64 reference backend: y, hT and
// all six gradients, with lengths (a zero length included), reverse, a batch that is not
// a multiple of the batch tile, more than 64 hidden units (two staged chunks) and T = 0.
// Also: a sequence is one submission, and the reserve follows gruReserveLayout.
// Dawn on SwiftShader in Node; skipped (visibly) where no adapter exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add, backward, gruSequence, gruSequenceReference, mul, readMany, scope, sum, tensor, zeros, type Backend, type Tensor } from '@cellstate/tensor';
import { gruReserveLayout } from '@cellstate/tensor/backend-kit';
import { createReferenceBackend, expectClose, mulberry32, randomFloats, type ReferenceBackend } from '@cellstate/tensor/testing';
import { dawnMissing, skipTitle } from '../../../../tools/test-env/requirements.ts';
import { createWebGpuBackend, type WebGpuBackend } from '../node.js';

const missing = dawnMissing();

let gpu: WebGpuBackend | null = null;
let reference: ReferenceBackend;
beforeAll(async () => {
  reference = createReferenceBackend();
  if (!missing) gpu = await createWebGpuBackend({ allowSoftware: true });
}, 120_000);
afterAll(() => {
  gpu?.dispose();
  reference.dispose();
});

interface Case {
  T: number;
  B: number;
  I: number;
  H: number;
  lengths: number[] | null;
  reverse: boolean;
}

const CASES: Case[] = [
  { T: 1, B: 1, I: 1, H: 1, lengths: null, reverse: false },
  { T: 4, B: 3, I: 5, H: 4, lengths: null, reverse: false },
  { T: 4, B: 3, I: 5, H: 4, lengths: null, reverse: true },
  { T: 7, B: 5, I: 4, H: 6, lengths: [7, 0, 3, 5, 1], reverse: false },
  { T: 7, B: 5, I: 4, H: 6, lengths: [2, 7, 5, 0, 6], reverse: true },
  { T: 3, B: 6, I: 3, H: 70, lengths: [3, 2, 3, 1, 3, 2], reverse: false },
  { T: 0, B: 2, I: 3, H: 4, lengths: null, reverse: false },
];

const title = (c: Case) => `T=${c.T} B=${c.B} I=${c.I} H=${c.H}${c.lengths ? ` lengths=[${c.lengths}]` : ''}${c.reverse ? ' reverse' : ''}`;

/** y, hT, then the gradients of Σ y·wy + Σ hT·wh with respect to x, wIh, wHh, bIh, bHh, h0. */
function run(backend: Backend, c: Case, fused: boolean): Tensor[] {
  const { T, B, I, H } = c;
  const rng = mulberry32(T * 1000 + B * 100 + H * 10 + (c.reverse ? 1 : 0));
  const shapes = { x: [T, B, I], wIh: [3 * H, I], wHh: [3 * H, H], bIh: [3 * H], bHh: [3 * H], h0: [B, H] } as const;
  const values = Object.fromEntries(Object.entries(shapes).map(([k, shape]) => [k, randomFloats(rng, [...shape], k === 'x' || k === 'h0' ? -1 : -0.5, k === 'x' || k === 'h0' ? 1 : 0.5)]));
  const wy = randomFloats(rng, [T, B, H]);
  const wh = randomFloats(rng, [B, H]);
  return scope(() => {
    const mk = (k: keyof typeof shapes) => {
      const t = tensor(values[k]!, [...shapes[k]], { backend });
      t.requiresGrad = true;
      return t;
    };
    const ins = { x: mk('x'), wIh: mk('wIh'), wHh: mk('wHh'), bIh: mk('bIh'), bHh: mk('bHh'), h0: mk('h0') };
    const lengths = c.lengths ? tensor(c.lengths, [B], { dtype: 'int32', backend }) : undefined;
    const args = { ...ins, ...(lengths ? { lengths } : {}), reverse: c.reverse };
    const out = fused ? gruSequence(args) : gruSequenceReference(args);
    const loss = add(sum(mul(out.y, tensor(wy, [T, B, H], { backend }))), sum(mul(out.hT, tensor(wh, [B, H], { backend }))));
    const order = [ins.x, ins.wIh, ins.wHh, ins.bIh, ins.bHh, ins.h0];
    const grads = backward(loss, { inputs: order });
    // With T = 0 the composition never touches the weights: no gradient, i.e. zeros.
    return [out.y, out.hT, ...order.map((t) => grads.get(t) ?? zeros(t.shape, { backend }))];
  });
}

describe.skipIf(!!missing)(skipTitle('fused gruSequence on WebGPU', missing), () => {
  for (const c of CASES) {
    it(`${title(c)}: y, hT and six gradients match the reference composition`, async (ctx) => {
      if (!gpu) return ctx.skip('webgpu: unavailable — no WebGPU adapter (Dawn found none)');
      expect(gpu.capabilities.fused.gruSequence && gpu.capabilities.fused.gruSequenceBackward).toBe(true);
      const actual = run(gpu, c, true);
      const expected = run(reference, c, false);
      const labels = ['y', 'hT', 'dx', 'dwIh', 'dwHh', 'dbIh', 'dbHh', 'dh0'];
      try {
        const got = await readMany(actual);
        expected.forEach((e, i) => {
          const forward = i < 2;
          expectClose(got[i]!, reference.readFloat64(e.handle), { atol: forward ? 2e-5 : 2e-4, rtol: forward ? 1e-4 : 1e-3, label: `${title(c)}: ${labels[i]}` });
        });
      } finally {
        for (const t of [...actual, ...expected]) t.dispose();
      }
    }, 120_000);
  }

  it('runs a 100-step forward and its backward without a submit in between, reserve per gruReserveLayout', async (ctx) => {
    if (!gpu) return ctx.skip('webgpu: unavailable — no WebGPU adapter (Dawn found none)');
    const b = gpu;
    const [T, B, I, H] = [100, 2, 3, 5];
    const rng = mulberry32(7);
    const up = (shape: number[]) => b.upload(randomFloats(rng, shape, -0.5, 0.5), shape, 'float32');
    const args = { x: up([T, B, I]), wIh: up([3 * H, I]), wHh: up([3 * H, H]), bIh: up([3 * H]), bHh: up([3 * H]), h0: up([B, H]), lengths: b.upload([100, 40], [B], 'int32'), reverse: false };
    b.flush();
    const submits = b.submitCount;
    const r = b.gruSequence(args);
    expect(b.submitCount, 'no submit inside the forward (T = 100 steps > the 64-command threshold)').toBe(submits);
    const g = b.gruSequenceBackward({ ...args, dy: r.y, dhT: null, y: r.y, reserve: r.reserve });
    const [reserve, y, hT] = await b.readMany([r.reserve, r.y, r.hT]);
    expect(b.submitCount - submits, 'backward recorded after the forward without a submit; readMany submits once').toBeLessThanOrEqual(2);
    const layout = gruReserveLayout(T, B, H);
    expect(reserve!.length).toBe(layout.size);
    const row = (t: number, s: number) => (t * B + s) * H;
    // hPrev of step t + 1 is y of step t (a live sample); a masked step leaves zeros everywhere.
    for (let j = 0; j < H; j++) expect(reserve![layout.hPrev + row(10, 0) + j]).toBe(y![row(9, 0) + j]);
    for (const section of [layout.r, layout.z, layout.n, layout.hn, layout.hPrev]) expect(Array.from(reserve!.subarray(section + row(40, 1), section + row(40, 1) + H))).toEqual(new Array(H).fill(0));
    expect(Array.from(hT!.subarray(H))).toEqual(Array.from(y!.subarray(row(39, 1), row(39, 1) + H)));
    for (const h of [...Object.values(args).filter((v) => typeof v === 'object'), r.y, r.hT, r.reserve, ...Object.values(g)]) b.release(h as Parameters<typeof b.release>[0]);
  });
});
