// The first thing to run: `pnpm demo`. Trains a tiny network to fit sin(x) on the
// CPU backend and prints the loss falling.
import '@cellstate/backend-cpu';
import { memory, ready } from '@cellstate/tensor';
import { fitSine } from './fit-sine.js';

const backend = await ready();
console.log(`cellstate demo: fitting sin(x) with a 1-32-1 tanh network on the '${backend.name}' backend`);
const started = performance.now();
const { losses, params } = await fitSine({
  steps: 500,
  onLog: (step, loss) => console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(6)}`),
});
const seconds = (performance.now() - started) / 1000;
console.log(`loss ${losses[0]!.toFixed(4)} -> ${losses[losses.length - 1]!.toFixed(4)} in ${seconds.toFixed(2)} s`);
for (const p of params) p.dispose();
const m = memory();
console.log(`memory after cleanup: ${m.handles} handles, ${m.bytesInUse} bytes in use`);
