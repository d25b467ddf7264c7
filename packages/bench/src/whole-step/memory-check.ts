// Runs many W5 steps and samples memory() and the RSS every `every` steps: live tensors
// and bytes in use must stay flat (nothing leaks), and the process must stop growing.
// usage: node --conditions=@cellstate/source --import tsx src/whole-step/memory-check.ts [steps=1000] [every=100]
// (POOL_MB=n sets the CPU backend's poolBytes)
import { memory, registerBackend, setBackend } from '@cellstate/tensor';
import { createCpuBackend } from '@cellstate/backend-cpu';
import { translateStep } from './translate-step.js';
import { TRANSLATE_WORKLOADS } from './workloads.js';

const steps = Number(process.argv[2] ?? 1000);
const every = Number(process.argv[3] ?? 100);
registerBackend('cpu-1t', () => createCpuBackend({ threads: 1, poolBytes: Number(process.env.POOL_MB ?? 64) * 2 ** 20 }), { priority: 100 });
const backend = await setBackend('cpu-1t');
await (backend as { ready?: () => Promise<void> }).ready?.();
const s = translateStep(TRANSLATE_WORKLOADS.W5);
const samples: Record<string, number>[] = [];
const t0 = performance.now();
for (let i = 1; i <= steps; i++) {
  await s.step();
  if (i % every === 0 || i === 1) {
    const m = memory();
    samples.push({ step: i, tensors: m.tensors, handles: m.handles, bytesInUse: m.bytesInUse, bytesPooled: m.bytesPooled, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20), arrayBuffersMb: Math.round(process.memoryUsage().arrayBuffers / 2 ** 20), heapMb: Math.round(process.memoryUsage().heapTotal / 2 ** 20), ms: Math.round(performance.now() - t0) });
  }
}
const after = samples.slice(1);
const flat = after.every((x) => x.tensors === after[0]!.tensors && x.bytesInUse === after[0]!.bytesInUse);
console.log(JSON.stringify({ workload: 'W5', steps, flat, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), samples }));
s.dispose();
