import { sizeOf, type AdamStepArgs, type AdamStepResult } from '@cellstate/tensor';
import type { CpuStorage } from '../cpu-storage.js';
import { adamStep as adamStepKernel } from '../kernels/adam-step.js';
import type { WasmKernels } from '../wasm/kernels.js';

/** The donated param, m and v handed back as the results: retained, same ids. */
function sameHandles(s: CpuStorage, args: AdamStepArgs): AdamStepResult {
  for (const h of [args.param, args.m, args.v]) s.retain(h);
  const shape = args.param.shape;
  return { param: { id: args.param.id, shape: [...shape], dtype: 'float32' }, m: { id: args.m.id, shape: [...shape], dtype: 'float32' }, v: { id: args.v.id, shape: [...shape], dtype: 'float32' } };
}

/** The fused Adam / AdamW step of `CpuBackend` (kernels/adam-step.ts or its WebAssembly twin). */
export function adamStep(s: CpuStorage, wasm: WasmKernels | null, args: AdamStepArgs): AdamStepResult {
  const op = 'adamStep';
  const param = s.float(args.param, op);
  const grad = s.float(args.grad, op);
  const scale = args.gradScale ? s.float(args.gradScale, op)[0]! : 1;
  const shape = args.param.shape;
  // Donated storage that nothing else references is updated in place (the same ids
  // come back, retained); otherwise into fresh buffers, leaving the inputs as they were.
  const ids = [args.param.id, args.m.id, args.v.id];
  const inPlace = args.donate === true && new Set(ids).size === 3 && !ids.includes(args.grad.id) && ids.every((id) => s.refs(id) === 1);
  if (inPlace && wasm?.ready) {
    // The moments stay in the WebAssembly memory from step to step (copied out only if
    // someone reads them, e.g. a checkpoint): only param and grad cross per step.
    const r = wasm.adamStepResident(param, grad, s.residentOrData(args.m.id), s.residentOrData(args.v.id), scale, args);
    if (r) {
      s.markWritten(args.param.id);
      s.adoptResident(args.m.id, r.m);
      s.adoptResident(args.v.id, r.v);
      return sameHandles(s, args);
    }
  }
  const m = s.float(args.m, op);
  const v = s.float(args.v, op);
  const size = sizeOf(shape);
  const paramOut = inPlace ? param : s.f32(size);
  const mOut = inPlace ? m : s.f32(size);
  const vOut = inPlace ? v : s.f32(size);
  if (!wasm?.adamStep(param, grad, m, v, scale, args, paramOut, mOut, vOut)) {
    adamStepKernel(param, grad, m, v, scale, args, paramOut, mOut, vOut);
  }
  if (inPlace) {
    for (const h of [args.param, args.m, args.v]) s.markWritten(h.id);
    return sameHandles(s, args);
  }
  return { param: s.store(paramOut, shape), m: s.store(mOut, shape), v: s.store(vOut, shape) };
}
