// Every system `pnpm bench` runs: cellstate's (../systems.ts) and the peers, each in its
// own process, each printing one JSON line in the format of ../result.ts. The JS peers'
// runners are this folder's other files, their packages (@tensorflow/tfjs,
// @tensorflow/tfjs-backend-wasm, brain.js) in its package.json; PyTorch is Debian's
// python3-torch under /usr/bin/python3 with OpenBLAS (libopenblas0-pthread).
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SYSTEMS } from '../systems.js';
import { STEP_WORKLOADS, type Workload } from '../workloads.js';

/** How to start one (system, workload) run; `skip` = print a skipped row with this reason instead. */
export type Launch = { cmd: string; args: string[]; env?: Record<string, string> } | { skip: string };

export interface Runnable {
  name: string;
  what: string;
  kind: 'cellstate' | 'peer';
  /** Runs by default (`pnpm bench` with no --systems). */
  byDefault: boolean;
  /** Threads the system computes with (the MM target compares single-threaded systems only). */
  threads: number;
  /** Workloads it applies to; others get no row (e.g. brain.js has no matmul). */
  workloads: readonly Workload['id'][];
  launch(workload: Workload['id'], quick: boolean): Launch;
}

const ALL: readonly Workload['id'][] = ['W1', 'W2', 'W3', 'W4', 'MM'];
/** Workloads only cellstate and PyTorch run (not in the default set): DB, the DeepBench-style training step. */
const EXTRA: readonly Workload['id'][] = ['DB'];
const isStep = (w: Workload['id']) => STEP_WORKLOADS.includes(w);
const NODE_ARGS = ['--conditions=@cellstate/source', '--import', 'tsx'];
const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const quickArg = (quick: boolean) => (quick ? ['--quick'] : []);

/** Cores this process may use (what "all threads" means; respects CPU affinity, e.g. taskset). */
export const CORES = availableParallelism();

/** The interpreter PyTorch rows use: Debian's (BENCH_PYTHON overrides it). */
export const PYTHON = process.env.BENCH_PYTHON || '/usr/bin/python3';

/** Debian's OpenBLAS (pthread flavour) directory, e.g. /usr/lib/x86_64-linux-gnu/openblas-pthread. */
export function openblasDir(): string | null {
  try {
    for (const d of readdirSync('/usr/lib')) {
      const p = `/usr/lib/${d}/openblas-pthread`;
      if (d.endsWith('-linux-gnu') && existsSync(`${p}/libblas.so.3`)) return p;
    }
  } catch {
    // not Debian-like
  }
  return null;
}

function cellstate(): Runnable[] {
  return Object.values(SYSTEMS).map((s) => ({
    name: s.name,
    what: s.what,
    kind: 'cellstate' as const,
    byDefault: s.byDefault ?? true,
    threads: s.threads ?? 1,
    workloads: s.name === 'cellstate-cpu-composed' ? [...ALL, ...EXTRA] : [...ALL, ...EXTRA, ...STEP_WORKLOADS],
    launch: (w, quick) => ({ cmd: process.execPath, args: [...(s.nodeArgs ?? []), ...NODE_ARGS, here(isStep(w) ? '../whole-step/run-step.ts' : '../run-one.ts'), s.name, w, ...quickArg(quick)] }),
  }));
}

function tfjs(variant: string, what: string, threads: number, byDefault = true): Runnable {
  return {
    name: `tfjs-${variant}`,
    what,
    kind: 'peer',
    byDefault,
    threads,
    // W7 (embedding + bidirectional LSTM + dense + Adam) exists in TF.js layers; W5/W6 do not (no attention decoder).
    workloads: variant === 'wasm-nosimd' ? ALL : [...ALL, 'W7'],
    launch: (w, quick) =>
      w === 'W7'
        ? { cmd: process.execPath, args: [...NODE_ARGS, here('./tfjs-sentiment.ts'), variant, ...quickArg(quick)] }
        : { cmd: process.execPath, args: [...NODE_ARGS, here('./tfjs.ts'), variant, w, ...quickArg(quick)] },
  };
}

function pytorch(name: string, what: string, threads: number, mode: 'nograd' | 'jit', workloads: readonly Workload['id'][] = ALL, device: 'cpu' | 'cuda' | 'cuda-tf32' = 'cpu'): Runnable {
  const deviceArgs = device === 'cpu' ? [] : ['--device', 'cuda', ...(device === 'cuda-tf32' ? ['--tf32'] : [])];
  return {
    name,
    what,
    kind: 'peer',
    byDefault: device === 'cpu',
    threads,
    // W7FIT is W7 through cellstate's own `fit`: nothing to compare in PyTorch (its W7 row is the reference).
    workloads: workloads.filter((w) => w !== 'W7FIT'),
    launch: (w, quick) => {
      if (!existsSync(PYTHON)) return { skip: `${PYTHON} not found (PyTorch rows need Debian's python3 with python3-torch)` };
      const blas = openblasDir();
      const env: Record<string, string> = { TORCH_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
      if (blas) env.LD_LIBRARY_PATH = [blas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
      if (w === 'W7') return { cmd: PYTHON, args: [here('../../python/sentiment_torch.py'), '--system', name, ...quickArg(quick)], env };
      if (w === 'W8T' || w === 'W8S') return { cmd: PYTHON, args: [here('../../python/infer_torch.py'), w, '--system', name, ...quickArg(quick)], env };
      if (isStep(w)) return { cmd: PYTHON, args: [here('../../python/seq2seq_torch.py'), w, '--system', name, ...quickArg(quick)], env };
      return { cmd: PYTHON, args: [here('../../python/bench_torch.py'), w, '--system', name, '--mode', mode, ...deviceArgs, ...quickArg(quick)], env };
    },
  };
}

function peers(): Runnable[] {
  return [
    tfjs('cpu', 'TF.js 4.22 `cpu` backend (pure JS, 1 thread)', 1),
    tfjs('wasm-simd', 'TF.js 4.22 `wasm` backend, SIMD, 1 thread', 1),
    tfjs('wasm-threads', `TF.js 4.22 \`wasm\` backend, SIMD + threads (${CORES}; Node shim for its blob: workers)`, CORES),
    tfjs('wasm-nosimd', 'TF.js 4.22 `wasm` backend without SIMD, 1 thread', 1, false),
    {
      name: 'brain.js',
      what: 'brain.js 1.6.1 recurrent.LSTMTimeStep (batch-1 only, plain JS)',
      kind: 'peer',
      byDefault: true,
      threads: 1,
      workloads: ['W1', 'W2', 'W3', 'W4'],
      launch: (w, quick) => ({ cmd: process.execPath, args: [...NODE_ARGS, here('./brain.ts'), w, ...quickArg(quick)] }),
    },
    pytorch('pytorch-openblas-1t', 'PyTorch (Debian python3-torch) + OpenBLAS, 1 thread; forward under inference_mode', 1, 'nograd', [...ALL, ...EXTRA, ...STEP_WORKLOADS]),
    pytorch('pytorch-openblas', `PyTorch + OpenBLAS, ${CORES} threads; forward under inference_mode`, CORES, 'nograd', [...ALL, ...EXTRA, ...STEP_WORKLOADS]),
    pytorch('pytorch-openblas-jit', `PyTorch + OpenBLAS, ${CORES} threads; forward via torch.jit.trace + freeze`, CORES, 'jit', ['W1', 'W3', 'W4']),
    // The GPU run's references (issue 16); not run by default, a skipped row where torch has no CUDA device.
    pytorch('pytorch-cuda', 'PyTorch on CUDA: nn.LSTM on cuDNN, strict float32 (TF32 off); forward under inference_mode (not run by default)', 1, 'nograd', [...ALL, ...EXTRA], 'cuda'),
    pytorch('pytorch-cuda-tf32', "PyTorch on CUDA with PyTorch's default TF32 setting for cuDNN (TF32 tensor cores in the LSTM GEMMs; not run by default)", 1, 'nograd', [...ALL, ...EXTRA], 'cuda-tf32'),
  ];
}

/** Every system the bench knows: cellstate's (systems.ts), then the peers. */
export function allSystems(): Runnable[] {
  return [...cellstate(), ...peers()];
}
