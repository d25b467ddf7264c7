// Long memory, the adding problem: `pnpm example:adding` from the repository root (or
// `pnpm adding` here). An LSTM and a plain tanh RNN learn to add the two marked numbers
// of a 100-step sequence; only the LSTM can carry them that far. `--help` lists the options.
import { memory } from '@cellstate/tensor';
import { backendName, releaseBackends, selectBackend, type BackendName } from '../shared/backend.js';
import { terminalChart } from '../shared/chart.js';
import { exampleCommand, integer, positiveInt, positiveNumber, table } from '../shared/cli.js';
import { writeGradientChart } from './chart.js';
import { runAdding, type AddingOptions } from './experiment.js';

/** `--quick`: a short run for smoke tests (the LSTM does not have time to learn). */
const QUICK: AddingOptions = { steps: 60, evalEvery: 20, testSize: 128 };

const program = exampleCommand('adding', 'The adding problem: an LSTM and a plain tanh RNN, same size, same data, same optimizer; which one can remember a number for 100 steps?', { file: 'adding-gradients.svg', what: 'where to write the gradient-vs-distance chart' })
  .option('--steps <n>', 'training steps per model (default: 2000, or 60 with --quick)', positiveInt)
  .option('--seed <n>', 'seed of the weights and the data', integer, 1)
  .option('--hidden <n>', 'hidden size of both models', positiveInt, 32)
  .option('--length <T>', 'sequence length', positiveInt, 100)
  .option('--batch <n>', 'sequences per step', positiveInt, 32)
  .option('--lr <rate>', "Adam's learning rate", positiveNumber, 0.01)
  .option('--eval-every <n>', 'print the test MSE every n steps (default: 100, or 20 with --quick)', positiveInt)
  .option('--backend <name>', 'cpu or webgpu (default: the CPU; webgpu needs a GPU adapter or SwiftShader)', backendName)
  .option('--quick', `a short smoke-test run (${QUICK.steps} steps per model): too short for the LSTM to learn`)
  .parse();
const opts = program.opts<{ backend?: BackendName; out: string; steps?: number; seed: number; hidden: number; length: number; batch: number; lr: number; evalEvery?: number; quick?: boolean }>();

const backend = await selectBackend(opts.backend);
const options: AddingOptions = {
  ...(opts.quick ? QUICK : {}),
  ...(opts.steps ? { steps: opts.steps } : {}),
  ...(opts.evalEvery ? { evalEvery: opts.evalEvery } : {}),
  seed: opts.seed,
  hidden: opts.hidden,
  length: opts.length,
  batchSize: opts.batch,
  learningRate: opts.lr,
  onLog: (model, step, loss, mse) =>
    console.log(`${model.padEnd(8)} step ${String(step).padStart(5)}  train MSE ${loss.toFixed(4)}  test MSE ${mse === null ? '-' : mse.toFixed(4)}`),
};
console.log(`cellstate adding problem on the '${backend.name}' backend`);
console.log(
  `T = ${opts.length} steps, 2 channels (value in [0, 1), marker); target = sum of the 2 marked values. ` +
    `LSTM vs tanh RNN, hidden ${opts.hidden}, Adam lr ${opts.lr}, batch ${opts.batch}, seed ${opts.seed}`,
);
const result = await runAdding(options);
const o = result.options;

console.log();
console.log(
  table(
    ['model', 'test MSE', 'vs always-1', 'train time'],
    [
      ...result.models.map((m) => [m.label, m.testMse.toFixed(4), `${((m.testMse / result.trivialMse) * 100).toFixed(1)}%`, `${m.trainSeconds.toFixed(0)} s`]),
      ['always predict 1', result.trivialMse.toFixed(4), '100.0%', '-'],
    ],
  ),
);

const distances = [0, 1, 2, 5, 10, 20, 30, 50, 75, o.length - 1].filter((d, i, a) => d < o.length && a.indexOf(d) === i);
console.log(`\nmean ‖dLoss/dx_t‖ by distance d = T-1-t from the output (64 held-out sequences; 0 = float32 underflow):`);
const cols = result.models.flatMap((m) => [
  [`${m.label} init`, m.gradientsAtInit],
  [`${m.label} trained`, m.gradientsTrained],
] as const);
console.log(table(['d', ...cols.map(([name]) => name)], distances.map((d) => [String(d), ...cols.map(([, g]) => g[d]!.toExponential(1))])));

console.log(`\nlog10 of the trained models' gradient norms against distance (0 on the left; float32 underflow drawn at -30): ${result.models.map((m, i) => `${m.label} (${['blue', 'green'][i]})`).join(', ')}`);
const floor = -30; // float32 underflow shows as 0: draw it at 1e-30
console.log(terminalChart(result.models.map((m) => m.gradientsTrained.map((g) => (g > 0 ? Math.max(Math.log10(g), floor) : floor))), { height: 10 }));

const path = await writeGradientChart(opts.out, result);
console.log(`\nchart written to ${path}`);
if (opts.quick) console.log('(--quick: too few steps for the LSTM to learn the task; run without --quick for the real result)');
const m = memory();
console.log(`memory after cleanup: ${m.handles} handles, ${m.bytesInUse} bytes in use`);
releaseBackends();
