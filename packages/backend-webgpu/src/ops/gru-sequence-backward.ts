/**
 * Host code of the fused GRU backward over a whole sequence: T + 1 dispatches of the
 * backward step kernel (gru-step-backward.wgsl.ts; the last only forms dh0), then the
 * weight gradients as large GEMMs and reductions over all T·B rows. Letters as
 * gru-sequence.ts, whose reserve it reads.
 *
 * The gate gradients come in two [T·B, 3H] temporaries that differ only in the n
 * section: dGi for x·wIhᵀ + bIh (dx, dwIh, dbIh) and dGh for h·wHhᵀ + bHh (dwHh, dbHh,
 * and the recurrent dh), because r multiplies the recurrent part of n only.
 */
import type { GruSequenceBackwardArgs, GruSequenceGradients, Handle } from '@cellstate/tensor';
import { gruReserveLayout } from '@cellstate/tensor/backend-kit';
import { gruStepBackwardKernel, gruStepBackwardParams } from '../kernels/gru-step-backward.wgsl.js';
import { coalesce } from '../layout.js';
import type { KernelContext } from './kernel-context.js';
import { matmulInto } from './matmul.js';
import { gruSections } from './gru-sequence.js';
import { backwardSteps, sequenceSizes, stepBatchTile, stepGrid } from './recurrent-step.js';
import { reduceInto } from './reduce.js';

export function gruSequenceBackward(ctx: KernelContext, args: GruSequenceBackwardArgs): GruSequenceGradients {
  const op = 'gruSequenceBackward';
  ctx.begin(op);
  const { T, B, I, H, G, rows, state } = sequenceSizes(args.x, args.wHh, 3);
  const layout = gruReserveLayout(T, B, H);
  const b = (h: Handle) => ctx.buffer(h, op);
  const reserve = b(args.reserve);
  const grads: GruSequenceGradients = {
    dx: ctx.alloc([T, B, I], 'float32'),
    dwIh: ctx.alloc([G, I], 'float32'),
    dwHh: ctx.alloc([G, H], 'float32'),
    dbIh: ctx.alloc([G], 'float32'),
    dbHh: ctx.alloc([G], 'float32'),
    dh0: ctx.alloc([B, H], 'float32'),
  };
  const dGi = ctx.temp(rows * G * 4);
  const dGh = ctx.temp(rows * G * 4);
  const dhState = ctx.temp(2 * state * 4);
  if (args.dhT) ctx.queue.copy(b(args.dhT), 0, dhState, 0, state * 4);
  else ctx.queue.clear(dhState, 0, state * 4);
  if (state > 0) {
    const pipeline = ctx.pipelines.get(gruStepBackwardKernel, { batchTile: stepBatchTile(B) });
    const bindings = [b(args.wHh), args.lengths ? b(args.lengths) : ctx.dummy, reserve, args.dy ? b(args.dy) : ctx.dummy, dGi, dGh, dhState];
    const fixed = { batch: B, hidden: H, hasLengths: args.lengths ? 1 : 0, hasDy: args.dy ? 1 : 0, ...gruSections(layout) };
    for (const step of backwardSteps(T, args.reverse)) ctx.queue.dispatch(pipeline, gruStepBackwardParams.pack({ ...fixed, ...step }), bindings, stepGrid(B, H));
    ctx.queue.copy(dhState, ((T + 1) % 2) * state * 4, b(grads.dh0), 0, state * 4);
  }
  matmulInto(ctx, { a: dGi, b: b(args.wIh), c: b(grads.dx), M: rows, N: I, K: G, transposeA: false, transposeB: false });
  matmulInto(ctx, { a: dGi, b: b(args.x), c: b(grads.dwIh), M: G, N: I, K: rows, transposeA: true, transposeB: false });
  matmulInto(ctx, { a: dGh, b: reserve, bOffset: layout.hPrev, c: b(grads.dwHh), M: G, N: H, K: rows, transposeA: true, transposeB: false });
  if (G > 0) {
    // Column sums over the T·B rows: dGi → dbIh, dGh → dbHh.
    const columns = { shape: [G], strides: [[1]] };
    reduceInto(ctx, 'sum', 'float32', dGi, 0, columns, coalesce([rows], [[G]]), b(grads.dbIh), 0, G, rows);
    reduceInto(ctx, 'sum', 'float32', dGh, 0, columns, coalesce([rows], [[G]]), b(grads.dbHh), 0, G, rows);
  }
  for (const temp of [dGi, dGh, dhState]) ctx.free(temp);
  return grads;
}
