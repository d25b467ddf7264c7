// One whole-step workload (training steps W5, W5F, W6: translation, W7: sentiment, W7FIT:
// W7 through `fit`; inference W8T: translate run, beam 5, W8S: sentiment run) for one
// cellstate system in this process; prints one JSON line (the format of result.ts).
// usage: node --conditions=@cellstate/source --import tsx src/whole-step/run-step.ts <system> <W5|W5F|W6|W7|W7FIT|W8T|W8S> [--quick]
import { memory, registerBackend, setBackend, type Backend } from '@cellstate/tensor';
import { writeInferReference } from './infer-data.js';
import { inferWorkload } from './infer-step.js';
import { SYSTEMS } from '../systems.js';
import { timeIt, timingPlan } from '../timing.js';
import { errorResult, sig, timedResult, type BenchResult } from '../result.js';
import { sentimentFitRun } from './sentiment-fit.js';
import { sentimentStep } from './sentiment-step.js';
import { translateStep } from './translate-step.js';
import { TRANSLATE_WORKLOADS } from './workloads.js';

async function run(systemName: string, workload: string, quick: boolean): Promise<BenchResult> {
  const system = SYSTEMS[systemName];
  if (!system) throw new Error(`unknown system '${systemName}' (known: ${Object.keys(SYSTEMS).join(', ')})`);
  registerBackend(system.name, () => system.create(), { priority: 100 });
  const backend = await setBackend(system.name);
  // WebAssembly instantiation and worker start-up are one-off costs a user pays once per process, not per step.
  await (backend as { ready?: () => Promise<void> }).ready?.();
  if (workload === 'W8T' || workload === 'W8S') return runInference(system.name, workload, backend, quick);
  if (workload === 'W7FIT') return runFit(system, backend, quick);
  const s = workload === 'W7' ? sentimentStep() : translateStep(TRANSLATE_WORKLOADS[workload as keyof typeof TRANSLATE_WORKLOADS]);
  // Translation batches differ in length: every one of them is timed (the Python runner does the same).
  const timing = await timeIt(s.step, timingPlan({ id: 'W2', kind: 'train' }, quick, 'batches' in s ? s.batches : 1));
  await backend.sync();
  const info = (backend as { kernelInfo?: { simd?: boolean; threads?: number; variant?: string | null; relaxedSimd?: boolean } }).kernelInfo;
  const details: Record<string, unknown> = { threads: info?.threads ?? system.threads ?? 1 };
  if (info) Object.assign(details, { simd: info.simd ?? null, wasm_variant: info.variant ? `${info.variant}${info.relaxedSimd ? '+relaxed' : ''}` : null });
  const result = timedResult(workload, system.name, timing, s.sequencesPerStep, s.flopsPerStep, {
    ...details,
    parameters: s.parameters,
    gflop_per_step: sig(s.flopsPerStep / 1e9, 5),
    // The mean step over the timed batches (a whole cycle of them for W6), next to the median in ms.
    ...(timing.meanSec === undefined ? {} : { mean_ms: sig(timing.meanSec * 1000, 5) }),
    // Live tensors after the timed steps (flat from step to step: nothing leaks).
    bytes_in_use: memory().bytesInUse,
    bytes_pooled: memory().bytesPooled,
  });
  s.dispose();
  return result;
}

/** W7FIT: W7's model, data and optimizer through `fit` (sentiment-fit.ts); the same row format as W7's. */
async function runFit(system: (typeof SYSTEMS)[string], backend: Backend, quick: boolean): Promise<BenchResult> {
  const r = await sentimentFitRun(timingPlan({ id: 'W2', kind: 'train' }, quick));
  const info = (backend as { kernelInfo?: { simd?: boolean; threads?: number; variant?: string | null; relaxedSimd?: boolean } }).kernelInfo;
  const details: Record<string, unknown> = { threads: info?.threads ?? system.threads ?? 1 };
  if (info) Object.assign(details, { simd: info.simd ?? null, wasm_variant: info.variant ? `${info.variant}${info.relaxedSimd ? '+relaxed' : ''}` : null });
  return timedResult('W7FIT', system.name, r.timing, r.sequencesPerStep, r.flopsPerStep, {
    ...details,
    parameters: r.parameters,
    gflop_per_step: sig(r.flopsPerStep / 1e9, 5),
    // The mean step (epoch boundaries included), next to the median in ms.
    mean_ms: sig(r.meanSec * 1000, 4),
    fit_epochs: r.epochs,
    bytes_in_use: r.bytesInUse,
    bytes_pooled: memory().bytesPooled,
  });
}

/** W8T / W8S: passes over the inputs (the model loaded before timing); items = sentences or texts. */
async function runInference(systemName: string, workload: 'W8T' | 'W8S', backend: Backend, quick: boolean): Promise<BenchResult> {
  const w = inferWorkload(workload);
  await w.ready;
  const timing = await timeIt(w.run, timingPlan({ id: 'W2', kind: 'train' }, quick));
  await backend.sync();
  // The outputs the PyTorch runner compares its own with (agreement in its JSON line).
  writeInferReference(w.lastOutputs()!, { system: systemName, modelSha256: w.file.modelSha256 });
  const info = (backend as { kernelInfo?: { threads?: number; simd?: boolean; variant?: string | null; relaxedSimd?: boolean } }).kernelInfo;
  const flops = w.flopsPerRun();
  const result = timedResult(workload, systemName, timing, w.itemsPerRun, flops, {
    threads: info?.threads ?? 1,
    ...(info ? { simd: info.simd ?? null, wasm_variant: info.variant ? `${info.variant}${info.relaxedSimd ? '+relaxed' : ''}` : null } : {}),
    items_per_pass: w.itemsPerRun,
    parameters: w.parameters(),
    gflop_per_pass: flops === null ? null : sig(flops / 1e9, 5),
  });
  w.dispose();
  return result;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const [systemName, workload] = args.filter((a) => !a.startsWith('--'));
try {
  if (!systemName || !workload || !['W5', 'W5F', 'W6', 'W7', 'W7FIT', 'W8T', 'W8S'].includes(workload)) throw new Error('usage: run-step.ts <system> <W5|W5F|W6|W7|W7FIT|W8T|W8S> [--quick]');
  console.log(JSON.stringify(await run(systemName, workload, quick)));
} catch (error) {
  console.log(JSON.stringify(errorResult(workload ?? '?', systemName ?? '?', error)));
  process.exitCode = 1;
}
