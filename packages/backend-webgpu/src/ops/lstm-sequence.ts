/**
 * Host code of the fused LSTM forward over a whole sequence: one input-projection
 * matmul for all steps, then T dispatches of the step kernel, all in one submission.
 * Letters: T steps, B batch, I input size, H hidden size, G = 4H.
 *
 * The reserve [7·T·B·H] holds the activated gates [T·B, 4H] (its first 4·T·B·H words),
 * then three [T, B, H] sections: c before each step, tanh(c') and h before each step.
 * The backward reads it.
 */
import type { Handle, LstmSequenceArgs, LstmSequenceEmbeddedArgs, LstmSequenceEmbeddedResult, LstmSequenceResult } from '@cellstate/tensor';
import { lstmReserveLayout } from '@cellstate/tensor/backend-kit';
import { gatherKernel, indexingParams } from '../kernels/gather.wgsl.js';
import { elementGrid } from '../kernels/kernel-spec.js';
import { lstmStepKernel, lstmStepParams } from '../kernels/lstm-step.wgsl.js';
import type { KernelContext } from './kernel-context.js';
import { matmulInto } from './matmul.js';
import { stridedCopy } from './movement.js';
import { forwardSteps, sequenceSizes, stepBatchTile, stepGrid } from './recurrent-step.js';

export function lstmSequence(ctx: KernelContext, args: LstmSequenceArgs): LstmSequenceResult {
  const op = 'lstmSequence';
  ctx.begin(op);
  const { T, B, I, H, G, rows } = sequenceSizes(args.x, args.wHh, 4);
  const x = ctx.buffer(args.x, op);
  const wIh = ctx.buffer(args.wIh, op);
  const bias = ctx.buffer(args.bias, op);
  const s = stepOperands(ctx, op, args, T, B, H);
  const reserve = ctx.alloc([lstmReserveLayout(T, B, H).size], 'float32');
  if (s.empty) return { ...s.outputs, reserve };
  const rb = ctx.buffer(reserve, op);
  // gates [T·B, 4H] = x [T·B, I] · wIhᵀ + bias, into the gate section of the reserve.
  matmulInto(ctx, { a: x, b: wIh, c: rb, bias, M: rows, N: G, K: I, transposeA: false, transposeB: true });
  runSteps(ctx, op, args, { T, B, H, G }, { ...s.buffers, rb });
  return { ...s.outputs, reserve };
}

/**
 * The embedding-folded forward: the gate section of a scratch reserve is gathered from
 * the table's rows (ids outside the table read zeros, as `gather` does), then the steps
 * of `lstmSequence`. Inference only: the reserve is dropped.
 */
export function lstmSequenceEmbedded(ctx: KernelContext, args: LstmSequenceEmbeddedArgs): LstmSequenceEmbeddedResult {
  const op = 'lstmSequenceEmbedded';
  ctx.begin(op);
  const [T, B] = args.ids.shape as [number, number];
  const [V] = args.table.shape as [number, number];
  const H = args.wHh.shape[1]!;
  const G = 4 * H;
  const table = ctx.buffer(args.table, op);
  const ids = ctx.buffer(args.ids, op);
  const s = stepOperands(ctx, op, args, T, B, H);
  if (s.empty) return s.outputs;
  const rb = ctx.temp(lstmReserveLayout(T, B, H).size * 4);
  const n = T * B * G;
  ctx.dispatch(gatherKernel, {}, indexingParams.pack({ n, indexCount: T * B, axisSize: V, inner: G }), [table, ids, rb], elementGrid(n, 64));
  runSteps(ctx, op, args, { T, B, H, G }, { ...s.buffers, rb });
  ctx.free(rb);
  return s.outputs;
}

/**
 * What both forwards share before their input gates: the recurrent operands' buffers, y,
 * hT and cT allocated, c0 copied into cT; `empty` when no step runs (hT is then h0).
 */
function stepOperands(ctx: KernelContext, op: string, args: { wHh: Handle; h0: Handle; c0: Handle; lengths?: Handle }, T: number, B: number, H: number) {
  const state = B * H;
  const wHh = ctx.buffer(args.wHh, op);
  const h0 = ctx.buffer(args.h0, op);
  const c0 = ctx.buffer(args.c0, op);
  const lengths = args.lengths ? ctx.buffer(args.lengths, op) : ctx.dummy;
  const y = ctx.alloc([T, B, H], 'float32');
  const hT = ctx.alloc([B, H], 'float32');
  const cT = ctx.alloc([B, H], 'float32');
  const [yb, hb, cb] = [y, hT, cT].map((h) => ctx.buffer(h, op)) as [GPUBuffer, GPUBuffer, GPUBuffer];
  ctx.queue.copy(c0, 0, cb, 0, state * 4);
  const empty = T === 0 || state === 0;
  if (empty) ctx.queue.copy(h0, 0, hb, 0, state * 4);
  return { outputs: { y, hT, cT }, empty, buffers: { wHh, lengths, yb, hb, cb, h0 } };
}

/** The T step dispatches over the input gates in the reserve's gate section. */
function runSteps(
  ctx: KernelContext,
  op: string,
  args: { lengths?: unknown; reverse: boolean },
  { T, B, H, G }: { T: number; B: number; H: number; G: number },
  { wHh, lengths, rb, yb, hb, cb, h0 }: Record<'wHh' | 'lengths' | 'rb' | 'yb' | 'hb' | 'cb' | 'h0', GPUBuffer>,
): void {
  const queue = ctx.queue;
  const state = B * H;
  const layout = lstmReserveLayout(T, B, H);
  // wHhT [H, 4H]: transposed once so the step kernel reads it coalesced.
  const wHhT = ctx.temp(G * H * 4);
  stridedCopy(ctx, op, wHh, 0, [1, H], wHhT, 0, [G, 1], [H, G]);
  const hState = ctx.temp(2 * state * 4);
  queue.copy(h0, 0, hState, 0, state * 4);
  const pipeline = ctx.pipelines.get(lstmStepKernel, { batchTile: stepBatchTile(B) });
  const workgroups = stepGrid(B, H);
  const fixed = { batch: B, hidden: H, hasLengths: args.lengths ? 1 : 0, cPrevSection: layout.cPrev, tanhCSection: layout.tanhC, hPrevSection: layout.hPrev };
  for (const step of forwardSteps(T, args.reverse)) {
    queue.dispatch(pipeline, lstmStepParams.pack({ ...fixed, ...step }), [wHhT, lengths, rb, hState, cb, yb], workgroups);
  }
  queue.copy(hState, (T % 2) * state * 4, hb, 0, state * 4);
  ctx.free(wHhT);
  ctx.free(hState);
}
