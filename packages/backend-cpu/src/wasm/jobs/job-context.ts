import type { Engine } from '../engine.js';
import type { PackedWeights } from '../packed-weights.js';

/** Tuning knobs (measured defaults; tests set them to 0 to run tiny shapes on every path). */
export interface WasmTuning {
  /** Matmuls with fewer multiply-adds (m·n·k, per matrix) run in the TypeScript kernel. Default 4096. */
  minWasmMatmul?: number;
  /** Jobs with fewer flops in total run on one thread. Default 2^21 (about 2 MFLOP). */
  minParallelFlops?: number;
  /** LSTM jobs whose recurrent step has fewer flops (2·B·4H·H) run on one thread. Default 2^18. */
  minParallelStepFlops?: number;
  /** Adam, softmax cross-entropy and Bernoulli masks on fewer elements run in TypeScript. Default 1024. */
  minWasmElementwise?: number;
  /** Bytes of packed weights a backend keeps in the WebAssembly memory (packed-weights.ts). Default 64 MiB; 0 turns it off. */
  maxPackedWeightBytes?: number;
}

/** What a job (one family per file in this folder) needs from the `WasmKernels` that runs it. */
export interface JobContext {
  readonly engine: Engine;
  readonly tuning: Readonly<Required<WasmTuning>>;
  /** This backend's packed GEMM weights. */
  readonly packed: PackedWeights;
  /** Whether the kernels can run now (the module is compiled and instantiated, not disposed). */
  ready(): boolean;
  /** Threads for a job of `flops` (and, for the LSTM, `stepFlops` per step), at most `useful`. */
  threadsFor(flops: number, stepFlops: number, useful: number): number;
}
