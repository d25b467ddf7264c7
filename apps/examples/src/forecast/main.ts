// Forecasting a seasonal monthly series with an LSTM: `pnpm example:forecast` from the
// repository root (or `pnpm forecast` here). `--help` lists the options.
import { memory } from '@cellstate/tensor';
import { backendName, releaseBackends, selectBackend, type BackendName } from '../shared/backend.js';
import { terminalChart } from '../shared/chart.js';
import { exampleCommand, integer, positiveInt, positiveNumber, table } from '../shared/cli.js';
import { writeForecastChart } from './chart.js';
import { runForecast } from './train.js';

const program = exampleCommand('forecast', 'Train an LSTM to forecast 20 years of synthetic monthly sales one month ahead, and compare it with the seasonal-naive forecast.', { file: 'forecast.svg', what: 'where to write the chart' })
  .option('--steps <n>', 'training steps (mini-batches of 32 windows)', positiveInt, 300)
  .option('--seed <n>', 'seed of the data, the weights and the batch order', integer, 7)
  .option('--hidden <n>', 'hidden size of the LSTM', positiveInt, 32)
  .option('--lr <rate>', "Adam's initial learning rate (cosine-annealed to 0)", positiveNumber, 0.01)
  .option('--backend <name>', 'cpu or webgpu (default: the CPU; webgpu needs a GPU adapter or SwiftShader)', backendName)
  .option('--log-every <n>', 'print the training loss every n steps', positiveInt, 50)
  .parse();
const opts = program.opts<{ backend?: BackendName; out: string; steps: number; seed: number; hidden: number; lr: number; logEvery: number }>();

const backend = await selectBackend(opts.backend);
console.log(`cellstate forecast: LSTM(hidden ${opts.hidden}) + Linear, ${opts.steps} Adam steps, seed ${opts.seed}, '${backend.name}' backend`);
console.log('data: 240 months (20 years) of synthetic sales = trend + 12-month season + noise; the last 36 months are the test set; windows of 24 months -> next month');
const result = await runForecast({
  steps: opts.steps,
  seed: opts.seed,
  hidden: opts.hidden,
  learningRate: opts.lr,
  logEvery: opts.logEvery,
  onLog: (step, loss) => console.log(`step ${String(step).padStart(5)}  train loss (normalised MSE) ${loss.toFixed(5)}`),
});
console.log(`trained in ${result.trainSeconds.toFixed(1)} s\n`);

console.log(`test months ${result.testStart}..${result.testStart + result.months.length - 1}: actual (blue), LSTM forecast (green), seasonal naive (red)`);
console.log(terminalChart([result.actual, result.forecast, result.naive]));
console.log();
const skill = 1 - result.maeLstm / result.maeNaive;
console.log(
  table(
    ['one-step-ahead forecast', 'test MAE'],
    [
      ['LSTM', result.maeLstm.toFixed(2)],
      ['seasonal naive (12 months earlier)', result.maeNaive.toFixed(2)],
    ],
  ),
);
console.log(`\nthe LSTM's error is ${(Math.abs(skill) * 100).toFixed(0)}% ${skill >= 0 ? 'below' : 'above'} the seasonal-naive baseline's`);
const path = await writeForecastChart(opts.out, result);
console.log(`chart written to ${path}`);
const m = memory();
console.log(`memory after cleanup: ${m.handles} handles, ${m.bytesInUse} bytes in use`);
releaseBackends();
