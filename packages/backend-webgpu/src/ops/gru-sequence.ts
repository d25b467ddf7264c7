/**
 * Host code of the fused GRU forward over a whole sequence: one input-projection matmul
 * for all steps, then T dispatches of the step kernel (gru-step.wgsl.ts), all in one
 * submission. Letters: T steps, B batch, I input size, H hidden size, G = 3H.
 *
 * Unlike the LSTM's, the input projection gx [T·B, 3H] is a temporary: the GRU reserve
 * (gruReserveLayout: r, z, n, hn, hPrev, each [T·B, H]) keeps activations, not
 * pre-activations, and its layout is shared with the CPU backend.
 */
import type { GruSequenceArgs, GruSequenceResult, Handle } from '@cellstate/tensor';
import { gruReserveLayout, type GruReserveLayout } from '@cellstate/tensor/backend-kit';
import { gruStepKernel, gruStepParams } from '../kernels/gru-step.wgsl.js';
import type { KernelContext } from './kernel-context.js';
import { matmulInto } from './matmul.js';
import { stridedCopy } from './movement.js';
import { forwardSteps, sequenceSizes, stepBatchTile, stepGrid } from './recurrent-step.js';

/** The uniforms both GRU step kernels take for the reserve: the element offset of each section. */
export function gruSections(layout: GruReserveLayout) {
  return { rSection: layout.r, zSection: layout.z, nSection: layout.n, hnSection: layout.hn, hPrevSection: layout.hPrev };
}

export function gruSequence(ctx: KernelContext, args: GruSequenceArgs): GruSequenceResult {
  const op = 'gruSequence';
  ctx.begin(op);
  const { T, B, I, H, G, rows, state } = sequenceSizes(args.x, args.wHh, 3);
  const layout = gruReserveLayout(T, B, H);
  const y = ctx.alloc([T, B, H], 'float32');
  const hT = ctx.alloc([B, H], 'float32');
  const reserve = ctx.alloc([layout.size], 'float32');
  const input = (h: Handle) => ctx.buffer(h, op);
  const h0 = input(args.h0);
  if (T === 0 || state === 0) {
    ctx.queue.copy(h0, 0, input(hT), 0, state * 4);
    return { y, hT, reserve };
  }
  // wHhT [H, 3H]: transposed once so the step kernel reads it coalesced.
  const wHhT = ctx.temp(G * H * 4);
  stridedCopy(ctx, op, input(args.wHh), 0, [1, H], wHhT, 0, [G, 1], [H, G]);
  const gx = ctx.temp(rows * G * 4);
  matmulInto(ctx, { a: input(args.x), b: input(args.wIh), c: gx, bias: input(args.bIh), M: rows, N: G, K: I, transposeA: false, transposeB: true });
  const hState = ctx.temp(2 * state * 4);
  ctx.queue.copy(h0, 0, hState, 0, state * 4);
  const pipeline = ctx.pipelines.get(gruStepKernel, { batchTile: stepBatchTile(B) });
  const bindings = [wHhT, input(args.bHh), args.lengths ? input(args.lengths) : ctx.dummy, gx, input(reserve), hState, input(y)];
  const fixed = { batch: B, hidden: H, hasLengths: args.lengths ? 1 : 0, ...gruSections(layout) };
  for (const step of forwardSteps(T, args.reverse)) ctx.queue.dispatch(pipeline, gruStepParams.pack({ ...fixed, ...step }), bindings, stepGrid(B, H));
  ctx.queue.copy(hState, (T % 2) * state * 4, input(hT), 0, state * 4);
  for (const temp of [wHhT, gx, hState]) ctx.free(temp);
  return { y, hT, reserve };
}
