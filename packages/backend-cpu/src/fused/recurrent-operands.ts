import { ShapeError, type Handle } from '@cellstate/tensor';
import type { CpuStorage } from '../cpu-storage.js';

/** The inputs the fused LSTM and GRU read in both directions. */
interface RecurrentInputs {
  x: Handle;
  wIh: Handle;
  wHh: Handle;
  lengths?: Handle;
}

/** What both directions of a fused recurrent op read: the sizes, x, the weights and the lengths. */
export function recurrentOperands(s: CpuStorage, args: RecurrentInputs, op: string) {
  const [T, B, I] = args.x.shape as [number, number, number];
  const H = args.wHh.shape[1]!;
  const x = s.float(args.x, op);
  const wIh = s.float(args.wIh, op);
  const wHh = s.float(args.wHh, op);
  const lengths = args.lengths ? (s.data(args.lengths, op) as Int32Array) : null;
  return { T, B, I, H, x, wIh, wHh, lengths };
}

/**
 * A backward's reserve must be the one its forward (`forwardOp`) wrote for these sizes: a
 * reserve of another length would be read out of layout, silently.
 */
export function checkReserve(op: string, forwardOp: string, reserve: Handle, length: number, expected: number, T: number, B: number, H: number): void {
  if (length !== expected) {
    throw new ShapeError({ op, detail: `the reserve does not come from ${forwardOp} with T=${T}, B=${B}, H=${H}`, expected: [expected], actual: [...reserve.shape] });
  }
}
