import { lstmReserveLayout } from '@cellstate/tensor/backend-kit';
import { BARRIER } from '../layout.js';
import { ResidentReserve, type ReserveRowOrder } from '../memory.js';
import { inOrder, packingOrder } from './batch-order.js';
import type { Engine } from '../engine.js';
import type { JobContext } from './job-context.js';

/**
 * What both directions derive first: the GEMM's register tile (mr x nr), the sizes, and
 * the threads for `flopsPerMultiplyAdd` (2 forward; 4 backward, which multiplies twice).
 */
function plan(ctx: JobContext, T: number, B: number, I: number, H: number, flopsPerMultiplyAdd: number) {
  const ex = ctx.engine.exports!;
  const mr = ex.MR.value as number;
  const nr = ex.NR.value as number;
  const G = 4 * H;
  const rows = T * B;
  const panels = Math.ceil(H / nr);
  const stepFlops = 2 * B * G * H;
  const nt = ctx.threadsFor(flopsPerMultiplyAdd * rows * G * (I + H), stepFlops, panels);
  return { mr, nr, G, rows, panels, nt, reserveSize: lstmReserveLayout(T, B, H).size };
}

/** The reserve's sections as `ResidentReserve` reads them back from a sorted batch. */
function reserveRowOrder(order: Int32Array, T: number, B: number, H: number): ReserveRowOrder {
  const l = lstmReserveLayout(T, B, H);
  return { order, steps: T, batch: B, sections: [[l.gates, 4 * H], [l.cPrev, H], [l.tanhC, H], [l.hPrev, H]] };
}

/** The forward's arena blocks after its inputs: state, lengths, outputs, h's two buffers, wHh's panels (unless kept packed at `packedHh`) and each thread's scratch. */
function forwardArena(e: Engine, B: number, H: number, rows: number, hasLengths: boolean, packedHh: number | null, p: { mr: number; nr: number; panels: number; nt: number }) {
  const ph0 = e.alloc(B * H * 4);
  const pc0 = e.alloc(B * H * 4);
  const plen = hasLengths ? e.alloc(B * 4) : 0;
  const py = e.alloc(rows * H * 4);
  const phT = e.alloc(B * H * 4);
  const pcT = e.alloc(B * H * 4);
  const phbuf = e.alloc(2 * B * H * 4);
  const ppacked = packedHh ?? e.alloc(4 * p.panels * p.nr * H * 4);
  const stride = e.scratchStride(Math.ceil(B / p.mr) * p.mr * H * 4);
  const scratch = e.alloc(stride * p.nt);
  return { ph0, pc0, plen, py, phT, pcT, phbuf, ppacked, stride, scratch };
}

type ForwardArena = ReturnType<typeof forwardArena>;

/** h0, c0 and the lengths into the arena, in the batch's kernel order. */
function putState(e: Engine, a: ForwardArena, h0: Float32Array, c0: Float32Array, lengths: Int32Array | null, order: Int32Array | null, B: number, H: number): void {
  e.putRows(a.ph0, h0, 1, B, H, order);
  e.putRows(a.pc0, c0, 1, B, H, order);
  if (lengths) e.put(a.plen, order ? inOrder(lengths, order) : lengths, 0, B);
}

/** y, hT and cT out of the arena, back in the caller's batch order. */
function getOutputs(e: Engine, a: ForwardArena, y: Float32Array, hT: Float32Array, cT: Float32Array, T: number, B: number, H: number, order: Int32Array | null): void {
  e.getRows(a.py, y, T, B, H, order);
  e.getRows(a.phT, hT, 1, B, H, order);
  e.getRows(a.pcT, cT, 1, B, H, order);
}

/** Same contract as `lstmSequence` in kernels/lstm-sequence.ts, same reserve layout. */
export function lstmSequence(
  ctx: JobContext,
  x: Float32Array, wIh: Float32Array, wHh: Float32Array, bias: Float32Array, h0: Float32Array, c0: Float32Array,
  lengths: Int32Array | null, reverse: boolean, T: number, B: number, I: number, H: number,
  y: Float32Array, hT: Float32Array, cT: Float32Array, reserve: Float32Array,
): boolean {
  const resident = lstmSequenceResident(ctx, x, wIh, wHh, bias, h0, c0, lengths, reverse, T, B, I, H, y, hT, cT);
  if (!resident) return false;
  resident.copyTo(reserve);
  resident.free();
  return true;
}

/**
 * `lstmSequence` that leaves the reserve in linear memory (no copy out): the backward
 * reads it there, and it is copied out only if someone reads it. The caller frees it.
 * null when the kernel did not run. `weightIds`: the storage ids of wIh and wHh, whose
 * packed forms are then kept from their second use on (a decoder's step after step).
 */
export function lstmSequenceResident(
  ctx: JobContext,
  x: Float32Array, wIh: Float32Array, wHh: Float32Array, bias: Float32Array, h0: Float32Array, c0: Float32Array,
  lengths: Int32Array | null, reverse: boolean, T: number, B: number, I: number, H: number,
  y: Float32Array, hT: Float32Array, cT: Float32Array,
  weightIds: readonly [number, number] | null = null,
): ResidentReserve | null {
  if (!ctx.ready()) return null;
  const e = ctx.engine;
  const { mr, nr, G, rows, panels, nt, reserveSize } = plan(ctx, T, B, I, H, 2);
  // Both packed or neither (the kernel's panels of wHh assume H % NR == 0).
  let preIh: number | null = null;
  let preHh: number | null = null;
  if (weightIds && H % nr === 0 && I > 0 && ctx.tuning.maxPackedWeightBytes > 0) {
    preIh = ctx.packed.address(weightIds[0], wIh, G, I, true);
    preHh = ctx.packed.address(weightIds[1], wHh, G, H, true, 'panels');
    if (preIh === null || preHh === null) preIh = preHh = null;
  }
  const pres = e.allocResident(reserveSize * 4);
  if (pres === null) return null;
  e.reset();
  const px = e.alloc(rows * I * 4);
  const pwIh = preIh === null ? e.alloc(G * I * 4) : 0;
  const pwHh = preHh === null ? e.alloc(G * H * 4) : 0;
  const pbias = e.alloc(G * 4 + 32);
  const a = forwardArena(e, B, H, rows, lengths !== null, preHh, { mr, nr, panels, nt });
  if (!e.commit()) {
    e.freeResident(pres);
    return null;
  }
  // A batch of mixed lengths runs sorted, longest first, so the kernel skips finished rows
  // (PyTorch's packed sequences); the reserve stays sorted and is read back unsorted.
  const order = packingOrder(lengths, T, B);
  e.putRows(px, x, T, B, I, order);
  if (preIh === null) {
    e.put(pwIh, wIh, 0, G * I);
    e.put(pwHh, wHh, 0, G * H);
  }
  e.put(pbias, bias, 0, G);
  putState(e, a, h0, c0, lengths, order, B, H);
  e.args([T, B, I, H, reverse ? 1 : 0, px, pwIh, pwHh, pbias, a.ph0, a.pc0, a.plen, a.py, a.phT, a.pcT, pres, a.phbuf, a.ppacked, a.scratch, a.stride, BARRIER, preIh ?? 0, 0, 0]);
  e.run('lstmForward', nt);
  getOutputs(e, a, y, hT, cT, T, B, H, order);
  return new ResidentReserve(e, pres, reserveSize, order ? reserveRowOrder(order, T, B, H) : null);
}

/**
 * Same contract as `lstmSequenceEmbedded` in kernels/lstm-sequence.ts: the input gates
 * are rows of `table` [V, 4H] picked by `ids` [T, B]; no reserve is kept. `tableId`: the
 * table's storage id, so that it stays in linear memory from its second use on.
 */
export function lstmSequenceEmbedded(
  ctx: JobContext,
  table: Float32Array, tableId: number, ids: Int32Array, wHh: Float32Array, h0: Float32Array, c0: Float32Array,
  lengths: Int32Array | null, reverse: boolean, T: number, B: number, V: number, H: number,
  y: Float32Array, hT: Float32Array, cT: Float32Array,
): boolean {
  if (!ctx.ready()) return false;
  const e = ctx.engine;
  const { mr, nr, G, rows, panels, nt, reserveSize } = plan(ctx, T, B, 0, H, 2);
  // Kept in linear memory only while it takes at most a quarter of the budget: two
  // directions' tables must not push each other (and the GEMM weights) out at every call.
  const keep = V * G * 4 <= ctx.tuning.maxPackedWeightBytes / 4;
  const resident = keep ? ctx.packed.address(tableId, table, G, V, false, 'rows') : null;
  const order = packingOrder(lengths, T, B);
  // The kernel reads table rows by these ids, in the batch's order: an id outside [0, V)
  // is -1 (zero gates, gather's rule), never a read outside the table. A table that is
  // not kept in linear memory travels as just the rows this call reads, renumbered.
  const sorted = new Int32Array(rows);
  const slot = resident === null ? new Int32Array(V).fill(-1) : null;
  const used: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < B; k++) {
      const id = ids[t * B + (order ? order[k]! : k)]!;
      let v = id >= 0 && id < V ? id : -1;
      if (slot && v >= 0) {
        if (slot[v]! < 0) slot[v] = used.push(v) - 1;
        v = slot[v]!;
      }
      sorted[t * B + k] = v;
    }
  }
  e.reset();
  const ptable = resident ?? e.alloc(used.length * G * 4);
  const pids = e.alloc(rows * 4);
  const pwHh = e.alloc(G * H * 4);
  const pres = e.alloc(reserveSize * 4);
  const a = forwardArena(e, B, H, rows, lengths !== null, null, { mr, nr, panels, nt });
  if (!e.commit()) return false;
  if (resident === null) used.forEach((id, u) => e.put(ptable + u * G * 4, table, id * G, (id + 1) * G));
  e.put(pids, sorted);
  e.put(pwHh, wHh, 0, G * H);
  putState(e, a, h0, c0, lengths, order, B, H);
  e.args([T, B, 0, H, reverse ? 1 : 0, 0, 0, pwHh, 0, a.ph0, a.pc0, a.plen, a.py, a.phT, a.pcT, pres, a.phbuf, a.ppacked, a.scratch, a.stride, BARRIER, 0, ptable, pids]);
  e.run('lstmForward', nt);
  getOutputs(e, a, y, hT, cT, T, B, H, order);
  return true;
}

/** Same contract as `lstmSequenceBackward` in kernels/lstm-sequence-backward.ts. */
export function lstmSequenceBackward(
  ctx: JobContext,
  x: Float32Array, wIh: Float32Array, wHh: Float32Array, lengths: Int32Array | null, reverse: boolean,
  T: number, B: number, I: number, H: number,
  dy: Float32Array | null, dhT: Float32Array | null, dcT: Float32Array | null, reserve: Float32Array | ResidentReserve,
  dx: Float32Array, dwIh: Float32Array, dwHh: Float32Array, dBias: Float32Array, dh0: Float32Array, dc0: Float32Array,
): boolean {
  if (!ctx.ready()) return false;
  const e = ctx.engine;
  const { mr, nr, G, rows, panels, nt, reserveSize } = plan(ctx, T, B, I, H, 4);
  e.reset();
  const px = e.alloc(rows * I * 4);
  const pwIh = e.alloc(G * I * 4);
  const pwHh = e.alloc(G * H * 4);
  const plen = lengths ? e.alloc(B * 4) : 0;
  const pdy = dy ? e.alloc(rows * H * 4) : 0;
  const pdhT = dhT ? e.alloc(B * H * 4) : 0;
  const pdcT = dcT ? e.alloc(B * H * 4) : 0;
  // A reserve still in linear memory is read in place.
  const inPlace = reserve instanceof ResidentReserve && reserve.live && reserve.engine === e && reserve.length === reserveSize;
  const pres = inPlace ? reserve.address : e.alloc(reserveSize * 4);
  const pdx = e.alloc(rows * I * 4);
  const pdwIh = e.alloc(G * I * 4);
  const pdwHh = e.alloc(G * H * 4);
  const pdBias = e.alloc(G * 4);
  const pdh0 = e.alloc(B * H * 4);
  const pdc0 = e.alloc(B * H * 4);
  const pdG = e.alloc(rows * G * 4);
  const pdhbuf = e.alloc(2 * B * H * 4);
  const ppacked = e.alloc(panels * nr * G * 4);
  const stride = e.scratchStride(Math.ceil(B / mr) * mr * G * 4);
  const scratch = e.alloc(stride * nt);
  if (!e.commit()) return false;
  // The batch order of the reserve: a resident one's own (the forward's), else sorted
  // when that lets the kernel skip rows (the reserve rows put in that order too).
  const order = inPlace ? (reserve as ResidentReserve).rowOrder?.order ?? null : packingOrder(lengths, T, B);
  e.putRows(px, x, T, B, I, order);
  e.put(pwIh, wIh, 0, G * I);
  e.put(pwHh, wHh, 0, G * H);
  if (lengths) e.put(plen, order ? inOrder(lengths, order) : lengths, 0, B);
  if (dy) e.putRows(pdy, dy, T, B, H, order);
  if (dhT) e.putRows(pdhT, dhT, 1, B, H, order);
  if (dcT) e.putRows(pdcT, dcT, 1, B, H, order);
  if (!inPlace) {
    const values = reserve instanceof ResidentReserve ? reserve.read() : reserve;
    if (order) {
      for (const [offset, width] of reserveRowOrder(order, T, B, H).sections) e.putRows(pres + offset * 4, values.subarray(offset, offset + rows * width), T, B, width, order);
    } else {
      e.put(pres, values, 0, reserveSize);
    }
  }
  e.args([T, B, I, H, reverse ? 1 : 0, px, pwIh, pwHh, plen, pdy, pdhT, pdcT, pres, pdx, pdwIh, pdwHh, pdBias, pdh0, pdc0, pdG, pdhbuf, ppacked, scratch, stride, BARRIER]);
  e.run('lstmBackward', nt);
  e.getRows(pdx, dx, T, B, I, order);
  e.get(pdwIh, dwIh, G * I);
  e.get(pdwHh, dwHh, G * H);
  e.get(pdBias, dBias, G);
  e.getRows(pdh0, dh0, 1, B, H, order);
  e.getRows(pdc0, dc0, 1, B, H, order);
  return true;
}
