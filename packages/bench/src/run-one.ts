// Runs one (system, workload) pair in this process and prints one JSON line:
// {"workload","system","seq_per_s","ms","gflops","peak_rss_mb", ...}.
import { Adam, Linear, crossEntropyLoss } from '@cellstate/nn';
import { LSTM } from '@cellstate/lstm';
import { backward, matmul, noGrad, registerBackend, reshape, scope, setBackend, slice, tensor } from '@cellstate/tensor';
import { SYSTEMS } from './systems.js';
import { WORKLOADS, gateFlops, seededFloat32, seededLabels, type Workload } from './workloads.js';
import { peakRssMb, timeIt } from './timing.js';

export interface BenchResult {
  workload: string;
  system: string;
  seq_per_s: number | null;
  ms: number | null;
  gflops: number | null;
  peak_rss_mb: number | null;
  iters?: number;
  status: 'ok' | 'error' | 'skipped';
  note?: string;
}

async function run(systemName: string, w: Workload): Promise<BenchResult> {
  const system = SYSTEMS[systemName];
  if (!system) throw new Error(`unknown system '${systemName}' (known: ${Object.keys(SYSTEMS).join(', ')})`);
  registerBackend(system.name, () => system.create(), { priority: 100 });
  const backend = await setBackend(system.name);

  let fn: () => Promise<void>;
  if (w.kind === 'matmul') {
    const a = tensor(seededFloat32(w.E * w.E, 1), [w.E, w.E]);
    const b = tensor(seededFloat32(w.E * w.E, 2), [w.E, w.E]);
    fn = async () => {
      const c = matmul(a, b);
      await c.data();
      c.dispose();
    };
  } else {
    const { B, T, E, H } = w;
    const lstm = new LSTM({ inputSize: E, hiddenSize: H, batchFirst: true, seed: 1 });
    const x = tensor(seededFloat32(B * T * E), [B, T, E]);
    if (w.kind === 'train') {
      const head = new Linear(H, w.classes!, { seed: 2 });
      const labels = tensor(seededLabels(B, w.classes!), [B], { dtype: 'int32' });
      const params = [...lstm.namedParameters().map(([n, p]) => [`lstm.${n}`, p] as const), ...head.namedParameters().map(([n, p]) => [`head.${n}`, p] as const)];
      const optimizer = new Adam(params, { learningRate: 1e-3 });
      fn = async () => {
        const loss = scope(() => {
          const { h } = lstm.forward(x);
          const last = reshape(slice(h, [0, 0, 0], [1, B, H]), [B, H]);
          const l = crossEntropyLoss(head.forward(last), labels);
          optimizer.step(backward(l));
          return l;
        });
        await loss.data();
        loss.dispose();
      };
    } else {
      fn = async () => {
        const out = noGrad(() => lstm.forward(x));
        await out.output.data();
        for (const t of [out.output, out.h, out.c]) t.dispose();
      };
    }
  }
  const { medianSec, iters } = await timeIt(fn, w.kind === 'latency' ? { minIters: 20, targetSec: 2 } : {});
  await backend.sync();
  const seqPerIter = w.kind === 'matmul' ? null : w.B;
  return {
    workload: w.id,
    system: system.name,
    seq_per_s: seqPerIter === null ? null : seqPerIter / medianSec,
    ms: medianSec * 1000,
    gflops: gateFlops(w) / medianSec / 1e9,
    peak_rss_mb: peakRssMb(),
    iters,
    status: 'ok',
  };
}

const [systemName, workloadId] = process.argv.slice(2);
const workload = WORKLOADS[workloadId as Workload['id']];
try {
  if (!systemName || !workload) throw new Error('usage: run-one.ts <system> <W1|W2|W3|W4|MM>');
  console.log(JSON.stringify(await run(systemName, workload)));
} catch (error) {
  const r: BenchResult = { workload: workloadId ?? '?', system: systemName ?? '?', seq_per_s: null, ms: null, gflops: null, peak_rss_mb: peakRssMb(), status: 'error', note: error instanceof Error ? error.message : String(error) };
  console.log(JSON.stringify(r));
  process.exitCode = 1;
}
