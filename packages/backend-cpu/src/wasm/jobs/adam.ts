import { adamCoefficients, type AdamHyperparameters } from '@cellstate/tensor/backend-kit';
import { ResidentReserve } from '../memory.js';
import type { JobContext } from './job-context.js';

/**
 * Same contract as `adamStep` in kernels/adam-step.ts, computed in float32 (as
 * PyTorch's fused CPU Adam does). The outputs may alias the inputs.
 */
export function adamStep(
  ctx: JobContext,
  param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, scale: number, hyper: AdamHyperparameters,
  paramOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
): boolean {
  if (!ctx.ready()) return false;
  const n = param.length;
  if (n < ctx.tuning.minWasmElementwise) return false;
  const e = ctx.engine;
  const nt = ctx.threadsFor(16 * n, 16 * n, n >> 14);
  e.reset();
  const bytes = n * 4;
  const pp = e.alloc(bytes);
  const pg = e.alloc(bytes);
  const pm = e.alloc(bytes);
  const pv = e.alloc(bytes);
  if (!e.commit()) return false;
  e.put(pp, param);
  e.put(pg, grad);
  e.put(pm, m);
  e.put(pv, v);
  runAdam(ctx, n, pp, pg, pm, pv, scale, hyper, nt);
  e.get(pp, paramOut, n);
  e.get(pm, mOut, n);
  e.get(pv, vOut, n);
  return true;
}

/** Runs the `adam` job over arena blocks (args layout: assembly/elementwise.ts). */
function runAdam(ctx: JobContext, n: number, pp: number, pg: number, pm: number, pv: number, scale: number, hyper: AdamHyperparameters, nt: number): void {
  const e = ctx.engine;
  const { beta1, beta2, epsilon } = hyper;
  const { l2, decay, stepSize, sqrtBiasCorrection2 } = adamCoefficients(hyper);
  e.args([n, pp, pg, pm, pv]);
  e.argsF32(5, [scale, beta1, beta2, 1 - beta1, 1 - beta2, epsilon, l2, decay, stepSize, 1 / sqrtBiasCorrection2]);
  e.run('adam', nt);
}

/**
 * `adamStep` updating `param` in place, with the moments kept in linear memory between
 * steps: `m` and `v` are either resident blocks from an earlier call (updated where
 * they are) or arrays (copied into new resident blocks). Saves copying both moments in
 * and out at every step. Returns the resident moments, or null when it did not run
 * (then nothing changed).
 */
export function adamStepResident(
  ctx: JobContext,
  param: Float32Array, grad: Float32Array, m: Float32Array | ResidentReserve, v: Float32Array | ResidentReserve, scale: number, hyper: AdamHyperparameters,
): { m: ResidentReserve; v: ResidentReserve } | null {
  if (!ctx.ready()) return null;
  const n = param.length;
  if (n < ctx.tuning.minWasmElementwise) return null;
  const e = ctx.engine;
  const usable = (x: Float32Array | ResidentReserve): x is ResidentReserve => x instanceof ResidentReserve && x.live && x.engine === e && x.length === n;
  const fresh: number[] = [];
  const place = (x: Float32Array | ResidentReserve): number | null => {
    if (usable(x)) return x.address;
    const at = e.allocResident(n * 4 + 16);
    if (at !== null) fresh.push(at);
    return at;
  };
  const pm = place(m);
  const pv = pm === null ? null : place(v);
  if (pm === null || pv === null) {
    for (const at of fresh) e.freeResident(at);
    return null;
  }
  const nt = ctx.threadsFor(16 * n, 16 * n, n >> 14);
  e.reset();
  const pp = e.alloc(n * 4 + 16);
  const pg = e.alloc(n * 4 + 16);
  if (!e.commit()) {
    for (const at of fresh) e.freeResident(at);
    return null;
  }
  e.put(pp, param);
  e.put(pg, grad);
  if (!usable(m)) e.put(pm, m instanceof ResidentReserve ? m.read() : m);
  if (!usable(v)) e.put(pv, v instanceof ResidentReserve ? v.read() : v);
  runAdam(ctx, n, pp, pg, pm, pv, scale, hyper, nt);
  e.get(pp, param, n);
  return { m: usable(m) ? m : new ResidentReserve(e, pm, n), v: usable(v) ? v : new ResidentReserve(e, pv, n) };
}
