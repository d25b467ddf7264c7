import { WASM_MT_BASE64, WASM_MT_RELAXED_BASE64, WASM_ST_BASE64, WASM_ST_RELAXED_BASE64 } from './kernels.wasm.js';

type Job = (args: number, tid: number, nt: number, canWait: number) => void;

/** What an instance of the kernels module exports (assembly/*.ts). */
export interface KernelExports {
  gemm: Job;
  lstmForward: Job;
  lstmBackward: Job;
  adam: Job;
  softmaxXent: Job;
  bernoulli: Job;
  binary: Job;
  reduceSum: Job;
  reduceMax: Job;
  packWeight: Job;
  unary: Job;
  logSoftmax: Job;
  sigmoidf(x: number): number;
  tanhf(x: number): number;
  MR: WebAssembly.Global;
  NR: WebAssembly.Global;
  GEMM_SCRATCH_BYTES: WebAssembly.Global;
}

/** 'st': one thread, plain memory (works everywhere). 'mt': shared memory + atomics, for worker threads. */
export type WasmVariant = 'st' | 'mt';

export interface ModuleState {
  module?: WebAssembly.Module;
  /** The asynchronous compile; resolves to undefined if it failed (then the TypeScript kernels run). */
  pending?: Promise<WebAssembly.Module | undefined>;
  error?: unknown;
}

/** Modules by variant, each plain SIMD128 or with relaxed SIMD (the GEMM's fused multiply-add). */
const modules: Record<`${WasmVariant}${'' | '+relaxed'}`, ModuleState> = { st: {}, mt: {}, 'st+relaxed': {}, 'mt+relaxed': {} };

const EMBEDS = { st: WASM_ST_BASE64, mt: WASM_MT_BASE64, 'st+relaxed': WASM_ST_RELAXED_BASE64, 'mt+relaxed': WASM_MT_RELAXED_BASE64 } as const;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The compile state of `variant` (see `moduleOf`). */
export function moduleState(variant: WasmVariant, relaxed: boolean): ModuleState {
  return modules[relaxed ? (`${variant}+relaxed` as const) : variant];
}

/**
 * The compiled module of `variant`, compiled once per process (or page): synchronously
 * where allowed (Node, workers), otherwise (a browser's main thread refuses synchronous
 * compiles of modules over 4 KiB) asynchronously; undefined until that finishes.
 */
export function moduleOf(variant: WasmVariant, relaxed: boolean): WebAssembly.Module | undefined {
  const name = relaxed ? (`${variant}+relaxed` as const) : variant;
  const s = modules[name];
  if (s.module || s.pending || s.error !== undefined) return s.module;
  const bytes = decodeBase64(EMBEDS[name]);
  try {
    s.module = new WebAssembly.Module(bytes);
  } catch (error) {
    if (!(error instanceof RangeError)) {
      s.error = error;
      return undefined;
    }
    s.pending = WebAssembly.compile(bytes).then(
      (m) => (s.module = m),
      (e: unknown) => {
        s.error = e;
        return undefined;
      },
    );
  }
  return s.module;
}
