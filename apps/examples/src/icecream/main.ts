// The ice-cream forecaster on the front-door API: `pnpm icecream` here.
import { memory } from '@cellstate/tensor';
import { backendName, releaseBackends, selectBackend, type BackendName } from '../shared/backend.js';
import { exampleCommand, integer, positiveInt } from '../shared/cli.js';
import { dailySales, seasonalNaiveRmse } from './data.js';
import { forecastIceCream } from './forecast.js';

const program = exampleCommand('icecream', 'Forecast tomorrow\'s ice-cream sales from the last four weeks (3 years of synthetic daily sales) with an LSTM, on fit/evaluate/predict.', { file: 'icecream.safetensors', what: 'where the model is saved' })
  .option('--epochs <n>', 'at most this many epochs (early stopping may end sooner)', positiveInt, 30)
  .option('--seed <n>', 'seed of the data and the weights', integer, 1)
  .option('--hidden <n>', 'hidden size of the LSTM', positiveInt, 32)
  .option('--backend <name>', 'cpu or webgpu', backendName)
  .parse();
const opts = program.opts<{ out: string; epochs: number; seed: number; hidden: number; backend?: BackendName }>();

await selectBackend(opts.backend);
const sales = dailySales({ seed: opts.seed });
const result = await forecastIceCream(sales, { path: opts.out, epochs: opts.epochs, hidden: opts.hidden, seed: opts.seed });
console.log(`seasonal naive (same weekday last week) test RMSE ${seasonalNaiveRmse(sales, result.testDays).toFixed(2)}`);
console.log(`reloaded from ${opts.out}: test RMSE ${result.rmseReloaded.toFixed(2)}`);
const m = memory();
console.log(`memory after cleanup: ${m.handles} handles`);
releaseBackends();
