import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { RecordedOpName } from './op-attrs.js';
import type { GradientContext, GradientRule } from './gradient-context.js';
import { unbroadcast } from './unbroadcast.js';
import { add, div, equal, exp, greater, less, mul, neg, sub, where } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { matmul } from '../ops/matmul.js';
import { broadcastTo, pad, reshape, slice, stack, transpose } from '../ops/movement.js';
import { gather, scatterAdd } from '../ops/indexing.js';
import { zeros } from '../ops/creation.js';
import { lstmSequenceGradient } from '../ops/lstm-sequence-gradient.js';
import { gruSequenceGradient } from '../ops/gru-sequence-gradient.js';
import { softmaxCrossEntropyGradient } from '../ops/softmax-cross-entropy.js';

const shapeOf = (ctx: GradientContext<RecordedOpName>, i: number) => ctx.inputShapes[i]!;

function reduceGradient(dy: Tensor, inputShape: Shape, axes: readonly number[], keepDims: boolean): Tensor {
  const kept = keepDims ? dy : reshape(dy, inputShape.map((d, i) => (axes.includes(i) ? 1 : d)));
  return broadcastTo(kept, inputShape);
}

function matmulGradients(ctx: GradientContext<'matmul'>): (Tensor | null)[] {
  const { transposeA: ta, transposeB: tb } = ctx.attrs;
  const a = ctx.input(0);
  const b = ctx.input(1);
  const dy = ctx.dy;
  let da: Tensor | null = null;
  let db: Tensor | null = null;
  if (ctx.needsGrad[0]) {
    da = !ta
      ? matmul(dy, b, { transposeB: !tb })
      : tb
        ? matmul(b, dy, { transposeA: true, transposeB: true })
        : matmul(b, dy, { transposeB: true });
  }
  if (ctx.needsGrad[1]) {
    db = !tb
      ? ta
        ? matmul(a, dy)
        : matmul(a, dy, { transposeA: true })
      : ta
        ? matmul(dy, a, { transposeA: true, transposeB: true })
        : matmul(dy, a, { transposeA: true });
  }
  return [da && unbroadcast(da, shapeOf(ctx, 0)), db && unbroadcast(db, shapeOf(ctx, 1))];
}

/**
 * One gradient rule per recordable op. The mapped type makes a missing rule a
 * compile error. Each rule uses only public ops, so it runs on every backend.
 */
export const gradientRules: { readonly [K in RecordedOpName]: GradientRule<K> } = {
  neg: ({ dy }) => [neg(dy)],
  exp: (ctx) => [mul(ctx.dy, ctx.output(0))],
  log: (ctx) => [div(ctx.dy, ctx.input(0))],
  sqrt: (ctx) => [div(ctx.dy, mul(ctx.output(0), 2))],
  tanh: (ctx) => {
    const y = ctx.output(0);
    return [mul(ctx.dy, sub(1, mul(y, y)))];
  },
  sigmoid: (ctx) => {
    const y = ctx.output(0);
    return [mul(ctx.dy, mul(y, sub(1, y)))];
  },
  relu: (ctx) => [mul(ctx.dy, greater(ctx.input(0), 0))],
  abs: (ctx) => {
    const x = ctx.input(0);
    return [mul(ctx.dy, sub(greater(x, 0), less(x, 0)))];
  },
  add: (ctx) => [unbroadcast(ctx.dy, shapeOf(ctx, 0)), unbroadcast(ctx.dy, shapeOf(ctx, 1))],
  sub: (ctx) => [unbroadcast(ctx.dy, shapeOf(ctx, 0)), ctx.needsGrad[1] ? unbroadcast(neg(ctx.dy), shapeOf(ctx, 1)) : null],
  mul: (ctx) => [
    ctx.needsGrad[0] ? unbroadcast(mul(ctx.dy, ctx.input(1)), shapeOf(ctx, 0)) : null,
    ctx.needsGrad[1] ? unbroadcast(mul(ctx.dy, ctx.input(0)), shapeOf(ctx, 1)) : null,
  ],
  div: (ctx) => {
    const a = ctx.input(0);
    const b = ctx.input(1);
    return [
      ctx.needsGrad[0] ? unbroadcast(div(ctx.dy, b), shapeOf(ctx, 0)) : null,
      ctx.needsGrad[1] ? unbroadcast(neg(div(mul(ctx.dy, a), mul(b, b))), shapeOf(ctx, 1)) : null,
    ];
  },
  maximum: (ctx) => {
    // Ties send the gradient to `a`.
    const toB = greater(ctx.input(1), ctx.input(0));
    return [unbroadcast(mul(ctx.dy, sub(1, toB)), shapeOf(ctx, 0)), unbroadcast(mul(ctx.dy, toB), shapeOf(ctx, 1))];
  },
  greater: () => [null, null],
  equal: () => [null, null],
  where: (ctx) => {
    const c = ctx.input(0);
    return [
      null,
      ctx.needsGrad[1] ? unbroadcast(where(c, ctx.dy, 0), shapeOf(ctx, 1)) : null,
      ctx.needsGrad[2] ? unbroadcast(where(c, 0, ctx.dy), shapeOf(ctx, 2)) : null,
    ];
  },
  sum: (ctx) => [reduceGradient(ctx.dy, shapeOf(ctx, 0), ctx.attrs.axes, ctx.attrs.keepDims)],
  max: (ctx) => {
    const { axes } = ctx.attrs;
    const x = ctx.input(0);
    const shape = shapeOf(ctx, 0);
    const kept = ctx.attrs.keepDims ? ctx.output(0) : reshape(ctx.output(0), shape.map((d, i) => (axes.includes(i) ? 1 : d)));
    // Ties share the gradient equally (as PyTorch's amax does).
    const mask = equal(x, kept);
    const count = sum(mask, axes, { keepDims: true });
    const dyKept = ctx.attrs.keepDims ? ctx.dy : reshape(ctx.dy, kept.shape);
    return [div(mul(mask, dyKept), count)];
  },
  argmax: () => [null],
  matmul: matmulGradients,
  transpose: (ctx) => {
    const inverse = new Array<number>(ctx.attrs.perm.length);
    ctx.attrs.perm.forEach((p, i) => (inverse[p] = i));
    return [transpose(ctx.dy, inverse)];
  },
  slice: (ctx) => {
    const shape = shapeOf(ctx, 0);
    const { begin, size } = ctx.attrs;
    return [pad(ctx.dy, shape.map((d, i) => [begin[i]!, d - begin[i]! - size[i]!] as const))];
  },
  concat: (ctx) => {
    const axis = ctx.attrs.axis;
    let offset = 0;
    return ctx.inputShapes.map((shape, k) => {
      const begin = shape.map((_, i) => (i === axis ? offset : 0));
      offset += shape[axis]!;
      return ctx.needsGrad[k] ? slice(ctx.dy, begin, [...shape]) : null;
    });
  },
  pad: (ctx) => [slice(ctx.dy, ctx.attrs.paddings.map(([before]) => before), [...shapeOf(ctx, 0)])],
  cast: (ctx) => [ctx.attrs.dtype === 'float32' && ctx.dy.dtype === 'float32' && ctx.needsGrad[0] ? ctx.dy : null],
  gather: (ctx) => {
    const z = zeros(shapeOf(ctx, 0), { backend: ctx.dy.backend });
    return [scatterAdd(z, ctx.input(1), ctx.dy, ctx.attrs.axis), null];
  },
  scatterAdd: (ctx) => [ctx.dy, null, ctx.needsGrad[2] ? gather(ctx.dy, ctx.input(1), ctx.attrs.axis) : null],
  randomUniform: () => [],
  randomBernoulli: () => [],
  reshape: (ctx) => [reshape(ctx.dy, shapeOf(ctx, 0))],
  unstack: (ctx) => {
    const shape = shapeOf(ctx, 0).filter((_, i) => i !== ctx.attrs.axis);
    const parts = ctx.dys.map((d) => d ?? zeros(shape, { backend: ctx.dy.backend }));
    return [stack(parts, ctx.attrs.axis)];
  },
  lstmSequence: (ctx) => lstmSequenceGradient(ctx),
  gruSequence: (ctx) => gruSequenceGradient(ctx),
  softmaxCrossEntropy: (ctx) => softmaxCrossEntropyGradient(ctx),
  // y = logSoftmax(x) over the last axis (saved): dx = dy - exp(y) · Σ dy.
  logSoftmax: (ctx) => {
    const y = ctx.output(0);
    return [sub(ctx.dy, mul(exp(y), sum(ctx.dy, y.rank - 1, { keepDims: true })))];
  },
};

// `add` is used by the engine to accumulate gradients.
export { add as accumulate };
