/**
 * Plain TypeScript vs WebAssembly SIMD (1 thread) vs WebAssembly SIMD (all threads), side
 * by side in one process on the peer-bench shapes (../shared/design/peer-bench):
 *
 *   MM  [n x n] · [n x n] matmul (n = 2048, or --mm 1024)
 *   W1  forward B32 T64 E128 H256, batch-first input (transpose in and out, as LSTM does)
 *   W2  W1 + Linear(H->10) on the last h, softmax cross-entropy, backward, Adam on 6 params
 *   W3  latency, forward B1 T32 E=H=128
 *   W4  forward B64 T100 E256 H512
 *
 * Rounds interleave the variants (the machine is shared: compare within one run), after
 * warm-up rounds; each cell is the median (and the minimum, the process CPU time of the
 * step summed over all threads, and the mean CPU time of the busiest thread: on a loaded
 * machine wall time includes waiting for a core, CPU time does not, and the busiest
 * thread's time is what a step would take with every thread on its own idle core). Flops count the gate matmuls only, as the
 * peer bench does: 2·4H·(E+H)·B·T per forward, 3x that for W2.
 *
 *   pnpm --filter @cellstate/backend-cpu bench:compare [W1 W2 W3 W4 MM] [--rounds 7] [--mm 1024] [--threads 2]
 *     [--variants plain,wasm-1t,wasm] [--json]
 */
import {
  add,
  adamStep,
  backward,
  div,
  keep,
  lstmSequence,
  matmul,
  noGrad,
  reshape,
  scope,
  softmaxCrossEntropy,
  sum,
  tensor,
  transpose,
  zeros,
  type Backend,
  type Tensor,
} from '@cellstate/tensor';
import { readFileSync, readdirSync } from 'node:fs';
import { createCpuBackend, type CpuBackend } from '../src/cpu-backend.js';

/** CPU time per thread of this process in ms (Linux /proc; 10 ms ticks), empty elsewhere. */
function threadTicks(): Map<string, number> {
  try {
    return new Map(
      readdirSync('/proc/self/task').map((t) => {
        const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return [t, (Number(f[11]) + Number(f[12])) * 10] as const;
      }),
    );
  } catch {
    return new Map();
  }
}

type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'MM';
interface Shape {
  B: number;
  T: number;
  E: number;
  H: number;
}
const SHAPES: Record<Exclude<WorkloadId, 'MM'>, Shape> = {
  W1: { B: 32, T: 64, E: 128, H: 256 },
  W2: { B: 32, T: 64, E: 128, H: 256 },
  W3: { B: 1, T: 32, E: 128, H: 128 },
  W4: { B: 64, T: 100, E: 256, H: 512 },
};

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const json = argv.includes('--json');
const rounds = flag('rounds', 7);
const mmSize = flag('mm', 2048);
const threads = flag('threads', 0);
const workloads = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--')) as WorkloadId[];
const selected: WorkloadId[] = workloads.length > 0 ? workloads : ['MM', 'W1', 'W2', 'W3'];

/** The peer bench's LCG, uniform [-1, 1). */
function seeded(n: number, seed: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2147483648 - 1) * scale;
  }
  return a;
}

function flopsOf(id: WorkloadId): number {
  if (id === 'MM') return 2 * mmSize ** 3;
  const { B, T, E, H } = SHAPES[id];
  const f = 2 * 4 * H * (E + H) * B * T;
  return id === 'W2' ? 3 * f : f;
}

/** A timed step for one workload on one backend (inputs made once). */
function makeStep(id: WorkloadId, backend: Backend): () => Promise<void> {
  if (id === 'MM') {
    const a = tensor(seeded(mmSize * mmSize, 1), [mmSize, mmSize], { backend });
    const b = tensor(seeded(mmSize * mmSize, 2), [mmSize, mmSize], { backend });
    return async () => {
      const c = matmul(a, b);
      await c.data();
      c.dispose();
    };
  }
  const { B, T, E, H } = SHAPES[id];
  const w = 1 / Math.sqrt(H);
  const param = (shape: number[], seed: number) => {
    const t = tensor(seeded(shape.reduce((p, q) => p * q, 1), seed, w), shape, { backend });
    t.requiresGrad = true;
    return t;
  };
  const x = tensor(seeded(B * T * E, 1234), [B, T, E], { backend });
  const params = { wIh: param([4 * H, E], 11), wHh: param([4 * H, H], 12), bIh: param([4 * H], 13), bHh: param([4 * H], 14), wOut: param([10, H], 15), bOut: param([10], 16) };
  const forward = () => {
    const r = lstmSequence({
      x: transpose(x, [1, 0, 2]),
      wIh: params.wIh,
      wHh: params.wHh,
      bias: add(params.bIh, params.bHh),
      h0: zeros([B, H], { backend }),
      c0: zeros([B, H], { backend }),
    });
    return { output: transpose(r.y, [1, 0, 2]), hT: r.hT, cT: r.cT };
  };
  if (id !== 'W2') {
    return async () => {
      const out = scope(() => noGrad(() => forward().output));
      await out.data();
      out.dispose();
    };
  }
  const labels = tensor(Int32Array.from({ length: B }, (_, i) => (i * 7) % 10), [B], { dtype: 'int32', backend });
  const names = Object.keys(params) as (keyof typeof params)[];
  const moments = Object.fromEntries(names.map((n) => [n, { m: zeros(params[n].shape, { backend }), v: zeros(params[n].shape, { backend }) }])) as Record<keyof typeof params, { m: Tensor; v: Tensor }>;
  let step = 0;
  return async () => {
    step++;
    const loss = scope(() => {
      const { hT } = forward();
      const logits = add(matmul(hT, params.wOut, { transposeB: true }), params.bOut);
      const l = div(sum(softmaxCrossEntropy(logits, labels).loss), B);
      const grads = backward(l, { inputs: names.map((n) => params[n]) });
      for (const n of names) {
        const r = adamStep({ param: params[n], grad: grads.get(params[n])!, m: moments[n].m, v: moments[n].v, step, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false });
        params[n].dispose();
        moments[n].m.dispose();
        moments[n].v.dispose();
        r.param.requiresGrad = true;
        params[n] = keep(r.param);
        moments[n] = { m: keep(r.m), v: keep(r.v) };
      }
      return reshape(l, [1]);
    });
    await loss.data();
    loss.dispose();
  };
}

interface Variant {
  name: string;
  backend: CpuBackend;
}

async function main(): Promise<void> {
  const only = argv.includes('--variants') ? argv[argv.indexOf('--variants') + 1]!.split(',') : null;
  const variants: Variant[] = [
    { name: 'plain', backend: () => createCpuBackend({ simd: false }) },
    { name: 'wasm-1t', backend: () => createCpuBackend({ threads: 1 }) },
    { name: 'wasm', backend: () => createCpuBackend(threads > 0 ? { threads } : {}) },
  ]
    .filter((v) => only === null || only.includes(v.name))
    .map((v) => ({ name: v.name, backend: v.backend() }));
  for (const v of variants) await v.backend.ready();
  const all = variants.map((v) => ({ ...v, info: v.backend.kernelInfo }));
  if (!json) console.log(`variants: ${all.map((v) => `${v.name} (${v.info.simd ? `wasm ${v.info.variant}, ${v.info.threads} thread${v.info.threads > 1 ? 's' : ''}` : 'TypeScript'})`).join(', ')}`);
  for (const id of selected) {
    const steps = variants.map((v) => makeStep(id, v.backend));
    const times: number[][] = variants.map(() => []);
    const cpuTimes: number[][] = variants.map(() => []);
    // Per-thread CPU summed over the timed steps: the busiest thread is the critical path
    // the step would take on otherwise idle cores.
    const perThread: Map<string, number>[] = variants.map(() => new Map());
    const warmup = 2;
    for (let r = 0; r < warmup + rounds; r++) {
      for (let k = 0; k < variants.length; k++) {
        // The plain kernels are slow on the big shapes: time them in fewer rounds.
        if (variants[k]!.name === 'plain' && r >= 1 + Math.max(1, Math.floor(rounds / 3)) && (id === 'MM' || id === 'W2' || id === 'W4')) continue;
        const ticks0 = threadTicks();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await steps[k]!();
        const dt = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (r >= warmup || (variants[k]!.name === 'plain' && r >= 1)) {
          times[k]!.push(dt);
          cpuTimes[k]!.push((c.user + c.system) / 1000);
          for (const [t, v] of threadTicks()) perThread[k]!.set(t, (perThread[k]!.get(t) ?? 0) + v - (ticks0.get(t) ?? 0));
        }
      }
    }
    for (let k = 0; k < variants.length; k++) {
      const ts = times[k]!.sort((a, b) => a - b);
      const ms = ts[ts.length >> 1]!;
      const cs = cpuTimes[k]!.sort((a, b) => a - b);
      const cpuMs = cs[cs.length >> 1]!;
      const busiest = perThread[k]!.size > 0 ? Math.max(...perThread[k]!.values()) / ts.length : null;
      const seqPerS = id === 'MM' ? null : SHAPES[id].B / (ms / 1000);
      const row = { workload: id === 'MM' ? `MM${mmSize}` : id, system: `cellstate-cpu-${variants[k]!.name}`, seq_per_s: seqPerS, ms, gflops: flopsOf(id) / (ms / 1000) / 1e9, iters: ts.length, min_ms: ts[0]!, cpu_ms: cpuMs, busiest_thread_cpu_ms: busiest };
      if (json) console.log(JSON.stringify(row));
      else console.log(`${row.workload.padEnd(7)} ${row.system.padEnd(22)} ${ms.toFixed(2).padStart(10)} ms  (min ${ts[0]!.toFixed(2)})  ${seqPerS === null ? '' : `${seqPerS.toFixed(1).padStart(8)} seq/s  `}${row.gflops.toFixed(2).padStart(7)} GFLOP/s  cpu ${cpuMs.toFixed(2)} ms (all threads)${busiest === null ? '' : `, busiest thread ${busiest.toFixed(1)} ms`}  n=${ts.length}`);
    }
  }
  for (const v of variants) v.backend.dispose();
}

await main();
