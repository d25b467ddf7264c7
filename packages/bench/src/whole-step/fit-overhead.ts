// The overhead of `fit` on W7, measured step by step in one process: a W7 step through
// `fit` (sentiment-fit.ts), then a step of the hand-written loop (sentiment-step.ts) on a
// second copy of the same model, alternately, both on the same batch. Interleaving puts
// both under the same machine load, which a busy 2-core machine changes from second to
// second (separate `pnpm bench` processes for W7 and W7FIT are minutes apart in effect).
// Per step: wall time and this process's CPU time (user + system, what one thread of
// kernels really costs, insensitive to waiting for a core). Prints one JSON object.
// usage: node --conditions=@cellstate/source --import tsx src/whole-step/fit-overhead.ts [system] [--steps N] [--warmup N]
import { loadavg } from 'node:os';
import { registerBackend, setBackend } from '@cellstate/tensor';
import { SYSTEMS } from '../systems.js';
import { median } from '../timing.js';
import { sentimentFit } from './sentiment-fit.js';
import { sentimentStep } from './sentiment-step.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const systemName = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? 'cellstate-cpu-wasm-1t';
const steps = flag('--steps', 400);
const warmup = flag('--warmup', 20);
const system = SYSTEMS[systemName];
if (!system) throw new Error(`unknown system '${systemName}'`);
registerBackend(system.name, () => system.create(), { priority: 100 });
const backend = await setBackend(system.name);
await (backend as { ready?: () => Promise<void> }).ready?.();

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const hand = sentimentStep();
const viaFit = sentimentFit();
const fitWall: number[] = [];
const fitCpu: number[] = [];
const handWall: number[] = [];
const handCpu: number[] = [];
const losses: [number, number][] = [];
const load = [loadavg()[0]!];
let n = 0;
let wall = 0;
let cpu = 0;
await viaFit.run([
  {
    onTrainBegin: () => {
      wall = performance.now();
      cpu = cpuMs();
    },
    onBatchEnd: async (_b, logs, context) => {
      const fw = performance.now() - wall;
      const fc = cpuMs() - cpu;
      const w0 = performance.now();
      const c0 = cpuMs();
      await hand.step();
      const hw = performance.now() - w0;
      const hc = cpuMs() - c0;
      if (n >= warmup) {
        fitWall.push(fw);
        fitCpu.push(fc);
        handWall.push(hw);
        handCpu.push(hc);
        losses.push([logs.loss, hand.lastLoss()]);
      }
      if (++n % 100 === 0) load.push(loadavg()[0]!);
      if (n >= warmup + steps) context.stop('measured');
      wall = performance.now();
      cpu = cpuMs();
    },
  },
]);
viaFit.dispose();
hand.dispose();
load.push(loadavg()[0]!);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const r = (x: number, d = 3) => Number(x.toFixed(d));
// The two copies start from the same weights and see the same batches: their losses agree while they train.
const maxLossDiff = Math.max(...losses.map(([a, b]) => Math.abs(a - b)));
console.log(
  JSON.stringify({
    system: system.name,
    steps: fitWall.length,
    warmup,
    fit: { median_ms: r(median(fitWall)), mean_ms: r(mean(fitWall)), cpu_mean_ms: r(mean(fitCpu)), cpu_median_ms: r(median(fitCpu)) },
    hand: { median_ms: r(median(handWall)), mean_ms: r(mean(handWall)), cpu_mean_ms: r(mean(handCpu)), cpu_median_ms: r(median(handCpu)) },
    ratio: {
      wall_median: r(median(fitWall) / median(handWall), 4),
      wall_mean: r(mean(fitWall) / mean(handWall), 4),
      cpu_mean: r(mean(fitCpu) / mean(handCpu), 4),
      cpu_median: r(median(fitCpu) / median(handCpu), 4),
    },
    max_loss_diff: maxLossDiff,
    load1: load.map((l) => r(l, 2)),
    node: process.version,
  }),
);
