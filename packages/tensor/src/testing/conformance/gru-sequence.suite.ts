import { backward } from '../../autograd/backward.js';
import { gruSequenceReference } from '../../backend/fused-reference.js';
import { scope } from '../../memory.js';
import { tensor, zeros } from '../../ops/creation.js';
import { add, mul } from '../../ops/elementwise.js';
import { gruSequence } from '../../ops/gru-sequence.js';
import { sum } from '../../ops/reduce.js';
import { readMany } from '../../tensor.js';
import type { Backend } from '../../backend/backend.js';
import { expectClose } from '../expect-close.js';
import type { ConformanceContext } from './context.js';
import { mulberry32, randomFloats } from '../random-inputs.js';

/**
 * gruSequence on the backend under test, through the op layer (its fused kernel when it
 * advertises one), against the reference composition on the float64 reference backend:
 * y, hT and the six gradients, with lengths (0 included), reverse, T = 0, without bias.
 */
export function gruSequenceSuite(ctx: ConformanceContext): void {
  const cases = [
    { T: 1, B: 1, I: 1, H: 1, lengths: null, reverse: false, bias: true },
    { T: 0, B: 2, I: 3, H: 4, lengths: null, reverse: false, bias: true },
    { T: 3, B: 2, I: 5, H: 4, lengths: null, reverse: false, bias: true },
    { T: 3, B: 2, I: 5, H: 4, lengths: null, reverse: true, bias: false },
    { T: 7, B: 3, I: 4, H: 5, lengths: [7, 0, 3], reverse: false, bias: true },
    { T: 7, B: 3, I: 4, H: 5, lengths: [2, 7, 5], reverse: true, bias: true },
    { T: 4, B: 2, I: 3, H: 2, lengths: [0, 0], reverse: false, bias: true },
    { T: 6, B: 5, I: 3, H: 9, lengths: [6, 1, 6, 4, 2], reverse: false, bias: true },
    { T: 40, B: 3, I: 17, H: 33, lengths: [40, 21, 9], reverse: true, bias: true },
  ];
  for (const c of cases) {
    const title = `gruSequence T=${c.T} B=${c.B} I=${c.I} H=${c.H}${c.lengths ? ` lengths=[${c.lengths}]` : ''}${c.reverse ? ' reverse' : ''}${c.bias ? '' : ' no bias'}: outputs and six gradients`;
    ctx.test(title, async (s) => {
      const { T, B, I, H } = c;
      const rng = mulberry32(T * 1000 + B * 100 + H * 10 + (c.reverse ? 1 : 0) + 7);
      const values = {
        x: randomFloats(rng, [T, B, I]),
        wIh: randomFloats(rng, [3 * H, I], -0.5, 0.5),
        wHh: randomFloats(rng, [3 * H, H], -0.5, 0.5),
        bIh: randomFloats(rng, [3 * H], -0.5, 0.5),
        bHh: randomFloats(rng, [3 * H], -0.5, 0.5),
        h0: randomFloats(rng, [B, H]),
        wy: randomFloats(rng, [T, B, H]),
        wh: randomFloats(rng, [B, H]),
      };
      const shapes = { x: [T, B, I], wIh: [3 * H, I], wHh: [3 * H, H], bIh: [3 * H], bHh: [3 * H], h0: [B, H] };
      const run = (backend: Backend, fusedPath: boolean) =>
        scope(() => {
          const mk = (k: keyof typeof shapes) => {
            const t = tensor(values[k], shapes[k], { backend });
            t.requiresGrad = true;
            return t;
          };
          const ins = { x: mk('x'), wIh: mk('wIh'), wHh: mk('wHh'), bIh: mk('bIh'), bHh: mk('bHh'), h0: mk('h0') };
          const lengths = c.lengths ? tensor(c.lengths, [B], { dtype: 'int32', backend }) : undefined;
          const biases = c.bias ? { bIh: ins.bIh, bHh: ins.bHh } : {};
          const args = { x: ins.x, wIh: ins.wIh, wHh: ins.wHh, h0: ins.h0, ...biases, ...(lengths ? { lengths } : {}), reverse: c.reverse };
          const out = fusedPath ? gruSequence(args) : gruSequenceReference(args);
          // The bias inputs join the loss with weight 0 so they get a (zero) gradient when unused.
          const loss = add(add(sum(mul(out.y, tensor(values.wy, [T, B, H], { backend }))), sum(mul(out.hT, tensor(values.wh, [B, H], { backend })))), mul(add(sum(ins.bIh), sum(ins.bHh)), 0));
          const order = [ins.x, ins.wIh, ins.wHh, ins.bIh, ins.bHh, ins.h0];
          const grads = backward(loss, { inputs: order });
          // With T = 0 the composition never reaches x or the weights: no gradient, i.e. zeros.
          return [out.y, out.hT, ...order.map((t) => grads.get(t) ?? zeros(t.shape, { backend }))];
        });
      const actual = run(s.backend, true);
      const expected = run(s.reference, false);
      const labels = ['y', 'hT', 'dx', 'dwIh', 'dwHh', 'dbIh', 'dbHh', 'dh0'];
      try {
        const got = await readMany(actual);
        expected.forEach((e, i) => {
          const forward = i < 2;
          const atol = forward ? 2e-5 : 2e-4 * Math.max(1, T / 10);
          expectClose(got[i]!, s.reference.readFloat64(e.handle), { atol, rtol: forward ? 1e-4 : 1e-3, label: `${ctx.name} ${title}: ${labels[i]}` });
        });
      } finally {
        for (const t of [...actual, ...expected]) t.dispose();
      }
    }, { timeout: 120_000 });
  }
}
