// GRU forward + backward on CPU, fused kernel vs the reference composition, interleaved
// in one run: node --conditions=@cellstate/source --import tsx bench/gru-sequence.compare.ts
import { backward, gruSequence, randomUniform, scope, sum, zeros } from '@cellstate/tensor';
import { CpuBackend } from '../src/cpu-backend.js';

const fused = new CpuBackend({ threads: 1 });
const composed = new CpuBackend({ threads: 1, fused: false });
await fused.ready();
await composed.ready();

function step(backend: CpuBackend, T: number, B: number, I: number, H: number): number {
  const start = performance.now();
  scope(() => {
    const x = randomUniform([T, B, I], { seed: 1, backend });
    const ws = [randomUniform([3 * H, I], { seed: 2, low: -0.1, high: 0.1, backend }), randomUniform([3 * H, H], { seed: 3, low: -0.1, high: 0.1, backend }), randomUniform([3 * H], { seed: 4, backend }), randomUniform([3 * H], { seed: 5, backend })];
    for (const w of ws) w.requiresGrad = true;
    const { y } = gruSequence({ x, wIh: ws[0]!, wHh: ws[1]!, bIh: ws[2]!, bHh: ws[3]!, h0: zeros([B, H], { backend }) });
    const grads = backward(sum(y), { inputs: ws });
    for (const g of grads.values()) g.dataSync();
  });
  return performance.now() - start;
}

for (const [T, B, I, H] of [[32, 32, 128, 128], [64, 16, 256, 256]] as const) {
  const times = { fused: [] as number[], composed: [] as number[] };
  for (let i = 0; i < 7; i++) {
    times.fused.push(step(fused, T, B, I, H));
    times.composed.push(step(composed, T, B, I, H));
  }
  const median = (a: number[]) => a.slice(2).sort((p, q) => p - q)[Math.floor((a.length - 2) / 2)]!;
  console.log(`T=${T} B=${B} I=${I} H=${H}: composed/fused median ratio ${(median(times.composed) / median(times.fused)).toFixed(2)}`);
}
fused.dispose();
composed.dispose();
