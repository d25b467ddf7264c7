import { expect } from 'vitest';
import { backward } from '../../autograd/backward.js';
import { lstmSequenceEmbeddedReference, lstmSequenceReference, softmaxCrossEntropyReference, adamStepReference, sumOfSquaresReference } from '../../backend/fused-reference.js';
import { sumOfSquares } from '../../ops/sum-of-squares.js';
import { logSoftmax, logSoftmaxReference } from '../../ops/activation.js';
import { scope } from '../../memory.js';
import { tensor, zeros } from '../../ops/creation.js';
import { add, exp, mul } from '../../ops/elementwise.js';
import { lstmSequence } from '../../ops/lstm-sequence.js';
import { lstmSequenceEmbedded } from '../../ops/lstm-sequence-embedded.js';
import { noGrad } from '../../autograd/no-grad.js';
import { matmul } from '../../ops/matmul.js';
import { gather } from '../../ops/indexing.js';
import { softmaxCrossEntropy } from '../../ops/softmax-cross-entropy.js';
import { adamStep } from '../../ops/adam-step.js';
import { sum } from '../../ops/reduce.js';
import { addInto } from '../../ops/add-into.js';
import { concat, reshape } from '../../ops/movement.js';
import { DTypeError, ShapeError } from '../../errors.js';
import { readMany, type Tensor } from '../../tensor.js';
import type { Backend } from '../../backend/backend.js';
import { expectClose } from '../expect-close.js';
import type { ConformanceContext } from './context.js';
import { mulberry32, randomFloats } from '../random-inputs.js';

/**
 * Fused ops (LSTM sequence, softmax cross-entropy, Adam step) on the backend under test,
 * through the op layer (its fused kernel when it advertises one, the reference
 * composition otherwise), against the reference composition on the float64 reference
 * backend: forward values and every gradient.
 */
export function fusedSuite(ctx: ConformanceContext): void {
  lstmSequenceTests(ctx);
  lstmSequenceEmbeddedTests(ctx);
  softmaxCrossEntropyTests(ctx);
  adamStepTests(ctx);
  adamStepGradScaleTests(ctx);
  sumOfSquaresTests(ctx);
  logSoftmaxTests(ctx);
  addIntoTests(ctx);
}

/**
 * addInto: into + x (float32 sums, exactly); an `into` another tensor still shares (a
 * reshape view) keeps its values whether or not the backend adds in place; typed errors;
 * no leak.
 */
function addIntoTests(ctx: ConformanceContext): void {
  for (const shape of [[0], [7], [33, 65]] as const) {
    const title = `addInto [${shape}]: into + x; a shared into keeps its values; no leak`;
    ctx.test(title, async (s) => {
      const rng = mulberry32(211 + shape.length);
      const av = randomFloats(rng, shape);
      const bv = randomFloats(rng, shape);
      const expected = av.map((v, i) => v + bv[i]!);
      const before = s.backend.memory().handles;
      const x = tensor(bv, [...shape], { backend: s.backend });
      const into = tensor(av, [...shape], { backend: s.backend });
      const sum = addInto(into, x);
      into.dispose();
      const shared = tensor(av, [...shape], { backend: s.backend });
      const view = reshape(shared, [...shape]);
      const sum2 = addInto(shared, x);
      shared.dispose();
      // A second accumulation into the result, as backpropagation does.
      const twice = addInto(sum2, x);
      sum2.dispose();
      try {
        const [got, kept, got2] = await readMany([sum, view, twice]);
        expectClose(got!, expected, { atol: 0, rtol: 0, label: `${ctx.name} ${title}: sum` });
        expectClose(kept!, av, { atol: 0, rtol: 0, label: `${ctx.name} ${title}: the view of a shared into` });
        // One float32 rounding per add on a float32 backend; the float64 reference rounds once at the end.
        expectClose(got2!, expected.map((v, i) => v + bv[i]!), { atol: 1e-6, rtol: 1e-6, label: `${ctx.name} ${title}: accumulated twice` });
      } finally {
        for (const t of [x, sum, view, twice]) t.dispose();
      }
      if (s.backend.memory().handles !== before) throw new Error(`${ctx.name} ${title}: ${s.backend.memory().handles - before} handles leaked`);
    });
  }
  ctx.test('addInto refuses other shapes and dtypes with typed errors', async (s) => {
    const a = tensor([1, 2, 3], [3], { backend: s.backend });
    const b = tensor([1, 2], [2], { backend: s.backend });
    const i = tensor([1, 2, 3], [3], { dtype: 'int32', backend: s.backend });
    try {
      expect(() => addInto(a, b)).toThrow(ShapeError);
      expect(() => addInto(a, b)).toThrow(/addInto.*x must have the shape of into/);
      expect(() => addInto(i, a)).toThrow(DTypeError);
    } finally {
      for (const t of [a, b, i]) t.dispose();
    }
  });
}

/** lstmSequence: outputs and the six gradients, with and without lengths, both directions. */
function lstmSequenceTests(ctx: ConformanceContext): void {
  const lstmCases = [
    { T: 1, B: 1, I: 1, H: 1, lengths: null, reverse: false },
    { T: 3, B: 2, I: 5, H: 4, lengths: null, reverse: false },
    { T: 3, B: 2, I: 5, H: 4, lengths: null, reverse: true },
    { T: 7, B: 3, I: 4, H: 5, lengths: [7, 0, 3], reverse: false },
    { T: 7, B: 3, I: 4, H: 5, lengths: [2, 7, 5], reverse: true },
    { T: 6, B: 5, I: 3, H: 9, lengths: [6, 1, 6, 4, 2], reverse: false },
    { T: 200, B: 2, I: 3, H: 4, lengths: [200, 137], reverse: false },
  ];

  for (const c of lstmCases) {
    const title = `lstmSequence T=${c.T} B=${c.B} I=${c.I} H=${c.H}${c.lengths ? ` lengths=[${c.lengths}]` : ''}${c.reverse ? ' reverse' : ''}: outputs and six gradients`;
    ctx.test(title, async (s) => {
      const { T, B, I, H } = c;
      const rng = mulberry32(T * 1000 + B * 100 + H * 10 + (c.reverse ? 1 : 0));
      const values = {
        x: randomFloats(rng, [T, B, I]),
        wIh: randomFloats(rng, [4 * H, I], -0.5, 0.5),
        wHh: randomFloats(rng, [4 * H, H], -0.5, 0.5),
        bias: randomFloats(rng, [4 * H], -0.5, 0.5),
        h0: randomFloats(rng, [B, H]),
        c0: randomFloats(rng, [B, H]),
        wy: randomFloats(rng, [T, B, H]),
        wh: randomFloats(rng, [B, H]),
        wc: randomFloats(rng, [B, H]),
      };
      const shapes = { x: [T, B, I], wIh: [4 * H, I], wHh: [4 * H, H], bias: [4 * H], h0: [B, H], c0: [B, H] };
      const run = (backend: Backend, fusedPath: boolean) =>
        scope(() => {
          const mk = (k: keyof typeof shapes) => {
            const t = tensor(values[k], shapes[k], { backend });
            t.requiresGrad = true;
            return t;
          };
          const ins = { x: mk('x'), wIh: mk('wIh'), wHh: mk('wHh'), bias: mk('bias'), h0: mk('h0'), c0: mk('c0') };
          const lengths = c.lengths ? tensor(c.lengths, [B], { dtype: 'int32', backend }) : undefined;
          const args = { ...ins, ...(lengths ? { lengths } : {}), reverse: c.reverse };
          const out = fusedPath ? lstmSequence(args) : lstmSequenceReference(args);
          const loss = add(add(sum(mul(out.y, tensor(values.wy, [T, B, H], { backend }))), sum(mul(out.hT, tensor(values.wh, [B, H], { backend })))), sum(mul(out.cT, tensor(values.wc, [B, H], { backend }))));
          const order = [ins.x, ins.wIh, ins.wHh, ins.bias, ins.h0, ins.c0];
          const grads = backward(loss, { inputs: order });
          return [out.y, out.hT, out.cT, ...order.map((t) => grads.get(t)!)];
        });
      const actual = run(s.backend, true);
      const expected = run(s.reference, false);
      const labels = ['y', 'hT', 'cT', 'dx', 'dwIh', 'dwHh', 'dBias', 'dh0', 'dc0'];
      try {
        const got = await readMany(actual);
        expected.forEach((e, i) => {
          const forward = i < 3;
          const atol = forward ? 2e-5 : 2e-4 * Math.max(1, T / 10);
          expectClose(got[i]!, s.reference.readFloat64(e.handle), { atol, rtol: forward ? 1e-4 : 1e-3, label: `${ctx.name} ${title}: ${labels[i]}` });
        });
      } finally {
        for (const t of [...actual, ...expected]) t.dispose();
      }
    }, { timeout: 120_000 });
  }
}

/**
 * lstmSequenceEmbedded: the table-folded LSTM (table = E·Wihᵀ + bias) equals the
 * unfused LSTM on the gathered embedding rows x = E[ids], computed on the reference
 * backend; ids out of the table read zero gates (gather's rule). Run without gradients (the fused
 * kernel, where the backend has one) and twice: a table the backend keeps from the first
 * call must give the same numbers.
 */
function lstmSequenceEmbeddedTests(ctx: ConformanceContext): void {
  const cases = [
    { T: 1, B: 1, V: 3, E: 2, H: 1, lengths: null, reverse: false, ids: [2] },
    { T: 3, B: 2, V: 5, E: 4, H: 4, lengths: null, reverse: true, ids: [0, 4, 1, 1, 3, 2] },
    { T: 5, B: 4, V: 9, E: 6, H: 8, lengths: [5, 1, 3, 0], reverse: false, ids: [1, 2, -1, 0, 9, 3, 4, 0, 7, 5, 2, 0, 6, 5, 0, 0, 5, 5, 0, 0] },
    { T: 7, B: 5, V: 11, E: 3, H: 12, lengths: [2, 7, 5, 7, 1], reverse: true, ids: null },
    { T: 24, B: 9, V: 40, E: 10, H: 16, lengths: [24, 20, 17, 12, 9, 6, 5, 2, 1], reverse: false, ids: null },
  ];
  for (const c of cases) {
    const title = `lstmSequenceEmbedded T=${c.T} B=${c.B} V=${c.V} H=${c.H}${c.lengths ? ` lengths=[${c.lengths}]` : ''}${c.reverse ? ' reverse' : ''}: equals lstmSequence on the gathered rows`;
    ctx.test(title, async (s) => {
      const { T, B, V, E, H } = c;
      const rng = mulberry32(T * 997 + B * 31 + V);
      const ids = Int32Array.from(c.ids ?? Array.from({ length: T * B }, () => Math.floor(rng() * V)));
      const v = {
        emb: randomFloats(rng, [V, E]),
        wIh: randomFloats(rng, [4 * H, E], -0.5, 0.5),
        wHh: randomFloats(rng, [4 * H, H], -0.5, 0.5),
        bias: randomFloats(rng, [4 * H], -0.5, 0.5),
        h0: randomFloats(rng, [B, H]),
        c0: randomFloats(rng, [B, H]),
      };
      const on = (backend: Backend) => ({
        emb: tensor(v.emb, [V, E], { backend }),
        wIh: tensor(v.wIh, [4 * H, E], { backend }),
        wHh: tensor(v.wHh, [4 * H, H], { backend }),
        bias: tensor(v.bias, [4 * H], { backend }),
        h0: tensor(v.h0, [B, H], { backend }),
        c0: tensor(v.c0, [B, H], { backend }),
        ids: tensor(ids, [T, B], { dtype: 'int32', backend }),
        ...(c.lengths ? { lengths: tensor(c.lengths, [B], { dtype: 'int32', backend }) } : {}),
      });
      // Expected, independently: the unfused composition on the reference backend with
      // x = [E[ids], 1 if the id is in the table] and wIh' = [wIh, bias], bias' = 0, so an id
      // outside the table (x = 0 there, as gather reads it) gets zero input gates.
      const r = on(s.reference);
      const expected = scope(() => {
        const inTable = tensor(Float32Array.from(ids, (id) => (id >= 0 && id < V ? 1 : 0)), [T, B, 1], { backend: s.reference });
        const x = concat([gather(r.emb, r.ids, 0), inTable], 2);
        const wIh = concat([r.wIh, reshape(r.bias, [4 * H, 1])], 1);
        const out = lstmSequenceReference({ x, wIh, wHh: r.wHh, bias: zeros([4 * H], { backend: s.reference }), h0: r.h0, c0: r.c0, ...(r.lengths ? { lengths: r.lengths } : {}), reverse: c.reverse });
        return [out.y, out.hT, out.cT];
      });
      const b = on(s.backend);
      const table = scope(() => add(matmul(b.emb, b.wIh, { transposeB: true }), b.bias));
      const run = () => noGrad(() => lstmSequenceEmbedded({ table, ids: b.ids, wHh: b.wHh, h0: b.h0, c0: b.c0, ...(b.lengths ? { lengths: b.lengths } : {}), reverse: c.reverse }));
      const first = run();
      const second = run();
      const labels = ['y', 'hT', 'cT'];
      try {
        const got = await readMany([first.y, first.hT, first.cT, second.y, second.hT, second.cT]);
        expected.forEach((e, i) => {
          const want = s.reference.readFloat64(e.handle);
          expectClose(got[i]!, want, { atol: 2e-5, rtol: 1e-4, label: `${ctx.name} ${title}: ${labels[i]}` });
          expect(Array.from(got[i + 3]!), `${ctx.name} ${title}: ${labels[i]}, second call`).toEqual(Array.from(got[i]!));
        });
      } finally {
        for (const t of [first.y, first.hT, first.cT, second.y, second.hT, second.cT, table, ...expected, ...Object.values(b), ...Object.values(r)]) t.dispose();
      }
    }, { timeout: 120_000 });
  }
}

/** softmaxCrossEntropy: loss, probabilities and gradient at several logit scales. */
function softmaxCrossEntropyTests(ctx: ConformanceContext): void {
  for (const [N, C, scale] of [[1, 1, 1], [4, 3, 1], [5, 7, 50], [3, 4, 1000]] as const) {
    const title = `softmaxCrossEntropy N=${N} C=${C} logit scale ${scale}: loss, probabilities and gradient`;
    ctx.test(title, async (s) => {
      const rng = mulberry32(N * 31 + C);
      const logits = randomFloats(rng, [N, C], -scale, scale);
      const labels = Int32Array.from({ length: N }, (_, i) => (i * 5 + 1) % C);
      const wl = randomFloats(rng, [N]);
      const wp = randomFloats(rng, [N, C]);
      const run = (backend: Backend, fusedPath: boolean) =>
        scope(() => {
          const x = tensor(logits, [N, C], { backend });
          x.requiresGrad = true;
          const y = tensor(labels, [N], { dtype: 'int32', backend });
          const out = fusedPath ? softmaxCrossEntropy(x, y) : softmaxCrossEntropyReference(x, y);
          const loss = add(sum(mul(out.loss, tensor(wl, [N], { backend }))), sum(mul(out.probabilities, tensor(wp, [N, C], { backend }))));
          return [out.loss, out.probabilities, backward(loss, { inputs: [x] }).get(x)!];
        });
      const actual = run(s.backend, true);
      const expected = run(s.reference, false);
      try {
        const got = await readMany(actual);
        ['loss', 'probabilities', 'dlogits'].forEach((label, i) =>
          expectClose(got[i]!, s.reference.readFloat64(expected[i]!.handle), { atol: 1e-5 * Math.max(1, scale / 10), rtol: 1e-4, label: `${ctx.name} ${title}: ${label}` }),
        );
      } finally {
        for (const t of [...actual, ...expected]) t.dispose();
      }
    });
  }
}

/** adamStep with and without (decoupled) weight decay. */
function adamStepTests(ctx: ConformanceContext): void {
  for (const [wd, decoupled] of [[0, false], [0.01, false], [0.01, true]] as const) {
    const title = `adamStep weightDecay=${wd}${decoupled ? ' decoupled' : ''}: param, m, v`;
    ctx.test(title, async (s) => {
      const rng = mulberry32(77);
      const shape = [3, 5];
      const vals = [randomFloats(rng, shape), randomFloats(rng, shape), randomFloats(rng, shape, -0.1, 0.1), randomFloats(rng, shape, 0, 0.1)];
      const hyper = { step: 4, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: wd, decoupledWeightDecay: decoupled };
      const run = (backend: Backend, fusedPath: boolean): Tensor[] =>
        scope(() => {
          const [param, grad, m, v] = vals.map((x) => tensor(x, shape, { backend })) as [Tensor, Tensor, Tensor, Tensor];
          const out = fusedPath ? adamStep({ param, grad, m, v, ...hyper }) : adamStepReference({ param, grad, m, v, ...hyper });
          return [out.param, out.m, out.v];
        });
      const actual = run(s.backend, true);
      const expected = run(s.reference, false);
      try {
        const got = await readMany(actual);
        ['param', 'm', 'v'].forEach((label, i) => expectClose(got[i]!, s.reference.readFloat64(expected[i]!.handle), { atol: 1e-6, rtol: 1e-5, label: `${ctx.name} ${title}: ${label}` }));
      } finally {
        for (const t of [...actual, ...expected]) t.dispose();
      }
    });
  }
}

/** adamStep with a gradient scale tensor, with and without donated buffers. */
function adamStepGradScaleTests(ctx: ConformanceContext): void {
  for (const [shape, donate] of [[[3, 5], false], [[3, 5], true], [[40, 53], true]] as const) {
    const title = `adamStep with gradScale${donate ? ' and donated buffers' : ''} [${shape}]: param, m, v; inputs ${donate ? 'given up' : 'unchanged'}; no leak`;
    ctx.test(title, async (s) => {
      const rng = mulberry32(91 + shape[1]);
      const vals = [randomFloats(rng, shape), randomFloats(rng, shape), randomFloats(rng, shape, -0.1, 0.1), randomFloats(rng, shape, 0, 0.1)];
      const hyper = { step: 3, learningRate: 0.02, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.01, decoupledWeightDecay: true };
      const before = s.backend.memory().handles;
      const [param, grad, m, v] = vals.map((x) => tensor(x, [...shape], { backend: s.backend })) as [Tensor, Tensor, Tensor, Tensor];
      const gradScale = tensor([0.25], [], { backend: s.backend });
      const out = adamStep({ param, grad, m, v, ...hyper, gradScale, donate });
      const expected = scope(() => {
        const [p, g, m0, v0] = vals.map((x) => tensor(x, [...shape], { backend: s.reference })) as [Tensor, Tensor, Tensor, Tensor];
        const r = adamStepReference({ param: p, grad: mul(g, 0.25), m: m0, v: v0, ...hyper });
        return [r.param, r.m, r.v];
      });
      try {
        const got = await readMany([out.param, out.m, out.v]);
        ['param', 'm', 'v'].forEach((label, i) => expectClose(got[i]!, s.reference.readFloat64(expected[i]!.handle), { atol: 1e-6, rtol: 1e-5, label: `${ctx.name} ${title}: ${label}` }));
        if (!donate) {
          const inputs = await readMany([param, m, v]);
          [0, 2, 3].forEach((k, i) => expectClose(inputs[i]!, vals[k]!, { atol: 0, rtol: 0, label: `${ctx.name} ${title}: input ${k} unchanged` }));
        }
      } finally {
        for (const t of [param, grad, m, v, gradScale, out.param, out.m, out.v, ...expected]) t.dispose();
      }
      if (s.backend.memory().handles !== before) throw new Error(`${ctx.name} ${title}: ${s.backend.memory().handles - before} handles leaked`);
    });
  }
}

/** sumOfSquares over lists of tensors of mixed shapes. */
function sumOfSquaresTests(ctx: ConformanceContext): void {
  const sumCases: { title: string; shapes: number[][]; scale: number }[] = [
    { title: 'no tensors', shapes: [], scale: 1 },
    { title: 'one scalar', shapes: [[]], scale: 1 },
    { title: 'mixed shapes with an empty one', shapes: [[3, 5], [0, 4], [7], [2, 3, 4]], scale: 1 },
    { title: 'large values (their squares overflow nothing in float32)', shapes: [[50, 41], [300]], scale: 1e15 },
    { title: 'many elements', shapes: [[257, 129], [1000], [64, 65]], scale: 3 },
  ];
  for (const c of sumCases) {
    const title = `sumOfSquares, ${c.title}: one float32 scalar; no leak`;
    ctx.test(title, async (s) => {
      const rng = mulberry32(101 + c.shapes.length);
      const vals = c.shapes.map((shape) => randomFloats(rng, shape, -c.scale, c.scale));
      const before = s.backend.memory().handles;
      const xs = vals.map((v, i) => tensor(v, c.shapes[i]!, { backend: s.backend }));
      const got = sumOfSquares(xs, s.backend);
      const expected = scope(() => sumOfSquaresReference(vals.map((v, i) => tensor(v, c.shapes[i]!, { backend: s.reference })), s.reference));
      try {
        if (got.rank !== 0 || got.dtype !== 'float32') throw new Error(`${ctx.name} ${title}: got shape [${got.shape}] ${got.dtype}, expected a float32 scalar`);
        expectClose(await got.data(), s.reference.readFloat64(expected.handle), { atol: 0, rtol: 1e-5, label: `${ctx.name} ${title}` });
        // The inputs are read, never changed.
        const inputs = await readMany(xs);
        inputs.forEach((x, i) => expectClose(x, vals[i]!, { atol: 0, rtol: 0, label: `${ctx.name} ${title}: input ${i} unchanged` }));
      } finally {
        for (const t of [...xs, got, expected]) t.dispose();
      }
      if (s.backend.memory().handles !== before) throw new Error(`${ctx.name} ${title}: ${s.backend.memory().handles - before} handles leaked`);
    });
  }
}

/** logSoftmax values and gradient, masked (-Inf) entries included. */
function logSoftmaxTests(ctx: ConformanceContext): void {
  const logSoftmaxCases: { shape: number[]; scale: number; negInf?: boolean }[] = [
    { shape: [1, 1], scale: 1 },
    { shape: [5], scale: 3 },
    { shape: [4, 7], scale: 1 },
    { shape: [2, 3, 9], scale: 20 },
    { shape: [3, 300], scale: 1000 },
    { shape: [6, 131], scale: 5 },
    { shape: [4, 5], scale: 2, negInf: true },
  ];
  for (const c of logSoftmaxCases) {
    const title = `logSoftmax [${c.shape}] scale ${c.scale}${c.negInf ? ' with -Inf (masked) entries' : ''}: values and gradient`;
    ctx.test(title, async (s) => {
      const rng = mulberry32(7 * c.shape.length + c.shape[c.shape.length - 1]!);
      const xs = randomFloats(rng, c.shape, -c.scale, c.scale);
      // Masked logits: a few -Inf, never a whole row (a row of -Inf is NaN both ways).
      if (c.negInf) for (let i = 0; i < xs.length; i += 3) xs[i] = -Infinity;
      const w = randomFloats(rng, c.shape);
      const run = (backend: Backend, fusedPath: boolean) =>
        scope(() => {
          const x = tensor(xs, c.shape, { backend });
          x.requiresGrad = true;
          const y = fusedPath ? logSoftmax(x) : logSoftmaxReference(x);
          // -Inf · w would be NaN in the loss: weigh exp(y) instead where masked.
          const loss = sum(mul(c.negInf ? exp(y) : y, tensor(w, c.shape, { backend })));
          return [y, backward(loss, { inputs: [x] }).get(x)!];
        });
      const actual = run(s.backend, true);
      const expected = run(s.reference, false);
      try {
        const got = await readMany(actual);
        ['y', 'dx'].forEach((label, i) =>
          expectClose(got[i]!, s.reference.readFloat64(expected[i]!.handle), { atol: 1e-5 * Math.max(1, c.scale / 100), rtol: 1e-5, label: `${ctx.name} ${title}: ${label}` }),
        );
      } finally {
        for (const t of [...actual, ...expected]) t.dispose();
      }
    });
  }
}
