/**
 * The workloads of ../shared/design/peer-bench (README "Workloads"), identical shapes,
 * seeds and flop counts, so cellstate's rows compare with the peers' rows.
 */
export interface Workload {
  id: 'W1' | 'W2' | 'W3' | 'W4' | 'MM' | 'DB' | 'W5' | 'W5F' | 'W6' | 'W7' | 'W7FIT' | 'W8T' | 'W8S';
  B: number;
  T: number;
  E: number;
  H: number;
  /** 'step': a whole training step of an app's model on real batches (src/whole-step/); its runner reports its own flops. */
  kind: 'infer' | 'train' | 'latency' | 'matmul' | 'step';
  classes?: number;
  what: string;
}

export const WORKLOADS: Record<Workload['id'], Workload> = {
  W1: { id: 'W1', B: 32, T: 64, E: 128, H: 256, kind: 'infer', what: 'forward B32 T64 E128 H256, all hidden states' },
  W2: { id: 'W2', B: 32, T: 64, E: 128, H: 256, kind: 'train', classes: 10, what: 'training step: W1 + Linear(H->10) on last h, cross-entropy, BPTT, Adam' },
  W3: { id: 'W3', B: 1, T: 32, E: 128, H: 128, kind: 'latency', what: 'latency B1 T32 E=H=128' },
  W4: { id: 'W4', B: 64, T: 100, E: 256, H: 512, kind: 'infer', what: 'forward B64 T100 E256 H512' },
  MM: { id: 'MM', B: 0, T: 0, E: 2048, H: 2048, kind: 'matmul', what: '[2048x2048] x [2048x2048] fp32 matmul' },
  // DeepBench's LSTM training shape (hidden 512, batch 16, 25 steps, input = hidden), trained as W2 is; for the GPU run (issue 16).
  DB: { id: 'DB', B: 16, T: 25, E: 512, H: 512, kind: 'train', classes: 10, what: 'DeepBench-style LSTM training step B16 T25 E=H=512 (+ Linear(H->10) on last h, cross-entropy, BPTT, Adam, as W2)' },
  W5: { id: 'W5', B: 64, T: 12, E: 128, H: 256, kind: 'step', what: 'translate training step, shipped en-fr model (dot attention, tied output, shortlist 2,000; Tatoeba batches of 64)' },
  W5F: { id: 'W5F', B: 64, T: 12, E: 128, H: 256, kind: 'step', what: 'W5 with the full 8,000-word softmax' },
  W6: { id: 'W6', B: 128, T: 60, E: 256, H: 512, kind: 'step', what: 'translate training step, Multi30k attention configuration (bidirectional 512 encoder, additive attention, teacher forcing 0.5, ~6k softmax; batches of 128)' },
  W8T: { id: 'W8T', B: 64, T: 0, E: 128, H: 256, kind: 'step', what: 'inference: `translate run` with the shipped en-fr model, beam 5, 64 Tatoeba test sentences (sentences/s)' },
  W8S: { id: 'W8S', B: 256, T: 0, E: 100, H: 64, kind: 'step', what: 'inference: `sentiment run` with the shipped airline model, 256 test tweets (texts/s)' },
  W7: { id: 'W7', B: 32, T: 200, E: 100, H: 64, kind: 'step', what: 'sentiment training step, shipped airline model (bidirectional LSTM 64, mean+max pooling, weighted CE, clip 5, Adam; batches of 32)' },
  // cellstate only: the overhead of the front door (issue 17: fit adds <= 5% over the hand-written loop).
  W7FIT: { id: 'W7FIT', B: 32, T: 200, E: 100, H: 64, kind: 'step', what: 'W7 through `fit` from @cellstate/nn (the same model, optimizer and batches; fit collates plain samples every step)' },
};

/** The whole-step workloads (src/whole-step/): not run by default (they need ../shared/data). */
export const STEP_WORKLOADS: readonly Workload['id'][] = ['W5', 'W5F', 'W6', 'W7', 'W7FIT', 'W8T', 'W8S'];

/** Gate-matmul flops, as the peer bench counts them: 2·4H·(E+H)·B·T (W2 counts 3x forward). */
export function gateFlops(w: Workload): number {
  if (w.kind === 'step') return Number.NaN; // the whole-step runners count their own flops
  if (w.kind === 'matmul') return 2 * w.E * w.E * w.E;
  const f = 2 * 4 * w.H * (w.E + w.H) * w.B * w.T;
  return w.kind === 'train' ? 3 * f : f;
}

/** The peer bench's LCG: uniform [-1, 1). */
export function seededFloat32(n: number, seed = 1234): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
}

export function seededLabels(n: number, classes: number, seed = 99): Int32Array {
  const a = new Int32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s % classes;
  }
  return a;
}
