// brain.js peer runner (brain.recurrent.LSTMTimeStep), one workload per process, one JSON line.
// usage: brain.ts <W1|W2|W3|W4> [--quick]        (MM: brain.js has no matmul API -> skipped)
// Adapted from ../shared/design/peer-bench/bench-brain.mjs. Not like-for-like, by necessity:
//  * LSTMTimeStep is the only brain.js LSTM with real-valued input vectors (recurrent.LSTM
//    is a character model), and it is batch-1 only: a "batch" of B sequences is B calls of
//    net.run(seq), which returns the last output, not all hidden states;
//  * training (W2) = net.train(B sequences, {iterations: 1}): one update per sequence with
//    brain.js's own RMSProp-like rule (no Adam), next-vector loss at every step, so
//    outputSize = E (an H->E projection per step, flops not counted);
//  * run() is refused before train() ("No equations bound"): forward workloads first
//    train() one sequence for one iteration;
//  * weights come from Math.random, replaced by a seeded LCG for determinism.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { WORKLOADS, seededFloat32, type Workload } from '../workloads.js';
import { timeIt, timingPlan, type Timing } from '../timing.js';
import { errorResult, resultFor } from '../result.js';

const require = createRequire(import.meta.url);
const SYSTEM = 'brain.js';

interface LSTMTimeStep {
  train(data: number[][][], opts: { iterations: number; errorThresh: number; log: boolean }): { error: number };
  run(seq: number[][]): number[];
}
interface Brain {
  recurrent: { LSTMTimeStep: new (opts: { inputSize: number; hiddenLayers: number[]; outputSize: number; learningRate?: number }) => LSTMTimeStep };
}

function makeSeqs(B: number, T: number, E: number, seed: number): number[][][] {
  const flat = seededFloat32(B * T * E, seed);
  const seqs: number[][][] = [];
  for (let b = 0; b < B; b++) {
    const seq: number[][] = [];
    for (let t = 0; t < T; t++) seq.push(Array.from(flat.subarray((b * T + t) * E, (b * T + t + 1) * E), (v) => v * 0.5));
    seqs.push(seq);
  }
  return seqs;
}

async function run(w: Workload, quick: boolean): Promise<void> {
  let s = 42 >>> 0;
  Math.random = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const brain = require('brain.js') as Brain;
  const details: Record<string, unknown> = {
    brain_version: (JSON.parse(readFileSync(require.resolve('brain.js/package.json'), 'utf8')) as { version: string }).version,
    threads: 1,
  };
  const { B, T, E, H } = w;
  const plan = timingPlan(w, quick);
  const extraFlops = `H->E output projection each step, +${((100 * 2 * E * H) / (8 * H * (E + H))).toFixed(1)}% flops not counted`;
  let timing: Timing;
  if (w.kind === 'train') {
    const net = new brain.recurrent.LSTMTimeStep({ inputSize: E, hiddenLayers: [H], outputSize: E, learningRate: 0.01 });
    const data = makeSeqs(B, T, E, 7);
    timing = await timeIt(() => {
      details.last_error = net.train(data, { iterations: 1, errorThresh: 0, log: false }).error;
    }, plan);
    details.api = `LSTMTimeStep.train(${B} seqs, {iterations: 1}): batch-1 updates (RMSProp-like, not Adam), next-vector loss per step; ${extraFlops}`;
  } else {
    const net = new brain.recurrent.LSTMTimeStep({ inputSize: E, hiddenLayers: [H], outputSize: E });
    const seqs = makeSeqs(Math.min(B, 4), T, E, 7); // 4 distinct sequences, reused
    net.train([seqs[0]!], { iterations: 1, errorThresh: 0, log: false }); // binds the equations
    const o = net.run(seqs[0]!);
    if (!o || o.length !== E || !Number.isFinite(o[0])) throw new Error(`run() returned ${o?.length}`);
    // Probe one sequence; where the batch would take > 60 s, time one sequence and scale by B.
    const t0 = performance.now();
    net.run(seqs[0]!);
    const probe = (performance.now() - t0) / 1000;
    if (probe * B > 60) {
      const t = await timeIt(() => void net.run(seqs[0]!), { ...timingPlan({ id: 'W1', kind: 'infer' }, quick), targetSec: quick ? 0 : 10 });
      timing = { ...t, medianSec: t.medianSec * B, minSec: t.minSec * B, maxSec: t.maxSec * B };
      details.measured = `per sequence (a batch would take > 60 s), times scaled x${B}`;
    } else {
      timing = await timeIt(() => {
        for (let b = 0; b < B; b++) net.run(seqs[b % seqs.length]!);
      }, plan);
    }
    details.api = `LSTMTimeStep.run(seq) x ${B} (batch 1 only; returns the last output only; ${extraFlops})`;
  }
  console.log(JSON.stringify(resultFor(w, SYSTEM, timing, details)));
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const [workloadId] = args.filter((a) => !a.startsWith('--'));
try {
  const w = WORKLOADS[workloadId as Workload['id']];
  if (!w) throw new Error('usage: brain.ts <W1|W2|W3|W4> [--quick]');
  if (w.kind === 'matmul') {
    console.log(JSON.stringify(errorResult(w.id, SYSTEM, 'brain.js has no matmul API', 'skipped')));
  } else {
    await run(w, quick);
  }
} catch (e) {
  console.log(JSON.stringify(errorResult(workloadId ?? '?', SYSTEM, e)));
  process.exitCode = 1;
}
