/**
 * Host code of the fused LSTM backward over a whole sequence: T + 1 dispatches of the
 * backward step kernel (the last only carries dh to dh0), then the weight gradients as
 * large GEMMs over all T·B rows. Letters as lstm-sequence.ts, whose reserve it reads.
 */
import type { Handle, LstmSequenceBackwardArgs, LstmSequenceGradients } from '@cellstate/tensor';
import { lstmReserveLayout } from '@cellstate/tensor/backend-kit';
import { lstmStepBackwardKernel, lstmStepBackwardParams } from '../kernels/lstm-step-backward.wgsl.js';
import { coalesce } from '../layout.js';
import type { KernelContext } from './kernel-context.js';
import { matmulInto } from './matmul.js';
import { backwardSteps, sequenceSizes, stepBatchTile, stepGrid } from './recurrent-step.js';
import { reduceInto } from './reduce.js';

export function lstmSequenceBackward(ctx: KernelContext, args: LstmSequenceBackwardArgs): LstmSequenceGradients {
  const op = 'lstmSequenceBackward';
  ctx.begin(op);
  const { T, B, I, H, G, rows, state } = sequenceSizes(args.x, args.wHh, 4);
  const layout = lstmReserveLayout(T, B, H);
  const queue = ctx.queue;
  const x = ctx.buffer(args.x, op);
  const wIh = ctx.buffer(args.wIh, op);
  const wHh = ctx.buffer(args.wHh, op);
  const reserve = ctx.buffer(args.reserve, op);
  const lengths = args.lengths ? ctx.buffer(args.lengths, op) : ctx.dummy;
  const dy = args.dy ? ctx.buffer(args.dy, op) : ctx.dummy;
  const dhT = args.dhT ? ctx.buffer(args.dhT, op) : null;
  const dcT = args.dcT ? ctx.buffer(args.dcT, op) : null;
  const dx = ctx.alloc([T, B, I], 'float32');
  const dwIh = ctx.alloc([G, I], 'float32');
  const dwHh = ctx.alloc([G, H], 'float32');
  const dBias = ctx.alloc([G], 'float32');
  const dh0 = ctx.alloc([B, H], 'float32');
  const dc0 = ctx.alloc([B, H], 'float32');
  const b = (h: Handle) => ctx.buffer(h, op);
  const dGates = ctx.temp(rows * G * 4);
  const dhState = ctx.temp(2 * state * 4);
  // Carried gradients start at dhT / dcT (or 0); dc is updated in place in dc0.
  if (dhT) queue.copy(dhT, 0, dhState, 0, state * 4);
  else queue.clear(dhState, 0, state * 4);
  if (dcT) queue.copy(dcT, 0, b(dc0), 0, state * 4);
  else queue.clear(b(dc0), 0, state * 4);
  if (state > 0) {
    const pipeline = ctx.pipelines.get(lstmStepBackwardKernel, { batchTile: stepBatchTile(B) });
    const workgroups = stepGrid(B, H);
    const fixed = { batch: B, hidden: H, hasLengths: args.lengths ? 1 : 0, cPrevSection: layout.cPrev, tanhCSection: layout.tanhC, hasDy: args.dy ? 1 : 0 };
    for (const step of backwardSteps(T, args.reverse)) {
      queue.dispatch(pipeline, lstmStepBackwardParams.pack({ ...fixed, ...step }), [wHh, lengths, reserve, dy, dGates, dhState, b(dc0)], workgroups);
    }
    queue.copy(dhState, ((T + 1) % 2) * state * 4, b(dh0), 0, state * 4);
  }
  // The weight gradients as large GEMMs over all T·B rows.
  matmulInto(ctx, { a: dGates, b: wIh, c: b(dx), M: rows, N: I, K: G, transposeA: false, transposeB: false });
  matmulInto(ctx, { a: dGates, b: x, c: b(dwIh), M: G, N: I, K: rows, transposeA: true, transposeB: false });
  matmulInto(ctx, { a: dGates, b: reserve, bOffset: layout.hPrev, c: b(dwHh), M: G, N: H, K: rows, transposeA: true, transposeB: false });
  if (G > 0) reduceInto(ctx, 'sum', 'float32', dGates, 0, { shape: [G], strides: [[1]] }, coalesce([rows], [[G]]), b(dBias), 0, G, rows);
  ctx.free(dGates);
  ctx.free(dhState);
  return { dx, dwIh, dwHh, dBias, dh0, dc0 };
}
