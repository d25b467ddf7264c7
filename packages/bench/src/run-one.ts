// Runs one (cellstate system, workload) pair in this process and prints one JSON line
// (see result.ts). usage: run-one.ts <system> <W1|W2|W3|W4|MM> [--quick]
import { Adam, Linear, crossEntropyLoss } from '@cellstate/nn';
import { LSTM } from '@cellstate/lstm';
import { backward, matmul, noGrad, registerBackend, reshape, scope, setBackend, slice, tensor } from '@cellstate/tensor';
import { SYSTEMS } from './systems.js';
import { WORKLOADS, seededFloat32, seededLabels, type Workload } from './workloads.js';
import { timeIt, timingPlan } from './timing.js';
import { errorResult, resultFor, type BenchResult } from './result.js';

export type { BenchResult } from './result.js';

async function run(systemName: string, w: Workload, quick: boolean): Promise<BenchResult> {
  const system = SYSTEMS[systemName];
  if (!system) throw new Error(`unknown system '${systemName}' (known: ${Object.keys(SYSTEMS).join(', ')})`);
  registerBackend(system.name, () => system.create(), { priority: 100 });
  const backend = await setBackend(system.name);
  // WebAssembly instantiation and worker start-up are one-off costs a user pays once per process, not per step.
  await (backend as { ready?: () => Promise<void> }).ready?.();

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
    const x = tensor(seededFloat32(B * T * E, 7), [B, T, E]);
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
  const timing = await timeIt(fn, timingPlan(w, quick));
  await backend.sync();
  // Backends that say which kernels they run (CpuBackend.kernelInfo, where present) are believed over systems.ts.
  const info = (backend as { kernelInfo?: { simd?: boolean; threads?: number; variant?: string | null; relaxedSimd?: boolean } }).kernelInfo;
  const details: Record<string, unknown> = { threads: info?.threads ?? system.threads ?? 1 };
  if (info) Object.assign(details, { simd: info.simd ?? null, wasm_variant: info.variant ? `${info.variant}${info.relaxedSimd ? '+relaxed' : ''}` : null });
  // GPU backends name their adapter (WebGpuBackend.adapterDescription).
  const adapter = (backend as { adapterDescription?: string }).adapterDescription;
  if (adapter) Object.assign(details, { adapter, software: backend.capabilities.isSoftware });
  const result = resultFor(w, system.name, timing, details);
  // Dawn keeps Node alive while its instance is referenced: dispose lets the process exit.
  backend.dispose();
  return result;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const [systemName, workloadId] = args.filter((a) => !a.startsWith('--'));
const workload = WORKLOADS[workloadId as Workload['id']];
try {
  if (!systemName || !workload) throw new Error('usage: run-one.ts <system> <W1|W2|W3|W4|MM> [--quick]');
  console.log(JSON.stringify(await run(systemName, workload, quick)));
} catch (error) {
  console.log(JSON.stringify(errorResult(workloadId ?? '?', systemName ?? '?', error)));
  process.exitCode = 1;
}
