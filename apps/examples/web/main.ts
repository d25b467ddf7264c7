/**
 * The ice-cream forecaster in the browser (the same model and training as
 * src/icecream/forecast.ts, on fit/evaluate/predict), with the loss and validation loss
 * drawn live after every epoch (Chart.js). The model is saved to safetensors bytes in
 * memory (`encodeModel`, offered as a download) and reloaded into a fresh model
 * (`decodeInto`), which is scored again: the browser's save-and-reload.
 */
import '@cellstate/backend-cpu';
import { LSTM } from '@cellstate/lstm';
import { LastStep, Linear, Sequential, decodeInto, earlyStopping, encodeModel, evaluate, fit, predict, summary, timeSeriesSplit, type Callback } from '@cellstate/nn';
import { memory, ready } from '@cellstate/tensor';
import { CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import { dailySales, seasonalNaiveRmse } from '../src/icecream/data.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLSpanElement>('status');
const progress = $<HTMLDivElement>('progress');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const inputs = { epochs: $<HTMLInputElement>('epochs'), hidden: $<HTMLInputElement>('hidden'), seed: $<HTMLInputElement>('seed') };
const lossCanvas = $<HTMLCanvasElement>('loss-chart');

// ?epochs=4&hidden=8&seed=2 fills the form (links, tests).
const params = new URLSearchParams(location.search);
for (const [name, input] of Object.entries(inputs)) if (params.has(name)) input.value = params.get(name)!;

function setStatus(state: 'ready' | 'training' | 'done' | 'stopped' | 'error', text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

/** Lets the page paint (the chart, the progress line) and handle clicks between epochs. */
const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

const lossChart = new Chart<'line', number[], number>(lossCanvas, {
  type: 'line',
  data: {
    labels: [],
    datasets: [
      { label: 'training loss (MSE, standardised)', data: [], borderColor: '#2b6cb0', backgroundColor: '#2b6cb0', pointRadius: 2 },
      { label: 'validation loss', data: [], borderColor: '#dd6b20', backgroundColor: '#dd6b20', pointRadius: 2 },
    ],
  },
  options: {
    animation: false,
    maintainAspectRatio: false,
    scales: { x: { title: { display: true, text: 'epoch' } }, y: { type: 'linear', title: { display: true, text: 'loss' } } },
  },
});
let forecastChart: Chart | undefined;
let downloadUrl: string | undefined;
let controller: AbortController | undefined;

/** Epoch by epoch: the chart, and the data attributes the end-to-end test reads. */
function liveChart(): Callback {
  return {
    onTrainBegin: () => {
      lossChart.data.labels = [];
      for (const d of lossChart.data.datasets) d.data = [];
      lossChart.update('none');
      lossCanvas.dataset.epochs = '0';
      lossCanvas.dataset.updates = '0';
    },
    onBatchEnd: (batch, logs, context) => {
      progress.textContent = `batch ${batch + 1}/${context.stepsPerEpoch}, loss ${logs.loss.toFixed(4)}`;
    },
    onEpochEnd: async (epoch, logs, context) => {
      lossChart.data.labels!.push(epoch + 1);
      lossChart.data.datasets[0]!.data.push(logs.loss!);
      lossChart.data.datasets[1]!.data.push(logs.val_loss!);
      lossChart.update('none');
      lossCanvas.dataset.epochs = String(epoch + 1);
      lossCanvas.dataset.updates = String(Number(lossCanvas.dataset.updates) + 1);
      lossCanvas.dataset.loss = JSON.stringify(lossChart.data.datasets[0]!.data);
      setStatus('training', `training: epoch ${epoch + 1}/${context.epochs}, loss ${logs.loss!.toFixed(4)}, validation ${logs.val_loss!.toFixed(4)}`);
      await nextFrame();
    },
  };
}

async function train(): Promise<void> {
  const epochs = Number(inputs.epochs.value);
  const hidden = Number(inputs.hidden.value);
  const seed = Number(inputs.seed.value);
  controller = new AbortController();
  trainButton.disabled = true;
  stopButton.disabled = false;
  $('result').hidden = true;
  setStatus('training', 'training…');
  await nextFrame();
  const sales = dailySales({ seed });
  const started = performance.now();
  // ---- model and training (as src/icecream/forecast.ts; saved to bytes instead of a file) ----
  const { train, validation, test, scaler } = timeSeriesSplit(sales, { lookback: 28, validation: 0.15, test: 0.15 });
  const makeModel = () => new Sequential([new LSTM({ inputSize: 1, hiddenSize: hidden, batchFirst: true, seed }), new LastStep(), new Linear(hidden, 1, { seed })]);
  const model = makeModel();
  const history = await fit(model, train, { epochs, batchSize: 32, validation, loss: 'mse', optimizer: 'adam', learningRate: 0.01, signal: controller.signal, callbacks: [earlyStopping({ patience: 5 }), liveChart()] });
  const { rmse } = (await evaluate(model, test, { metrics: ['rmse'], denormalize: (v) => scaler.inverse(v) })).metrics;
  const bytes = await encodeModel(model);
  const reloaded = makeModel();
  await decodeInto(reloaded, bytes);
  const rmseReloaded = (await evaluate(reloaded, test, { metrics: ['rmse'], denormalize: (v) => scaler.inverse(v) })).metrics.rmse!;
  const forecast = scaler.inverse(await predict(reloaded, test));
  // ---- end ----
  const seconds = (performance.now() - started) / 1000;
  const days = test.toArray().map((w) => w.index);
  const naive = seasonalNaiveRmse(sales, days);
  $('summary').textContent = summary(model, { inputShape: [1, 28, 1] });
  model.dispose();
  reloaded.dispose();

  for (const [id, value] of [['rmse', rmse!], ['rmse-reloaded', rmseReloaded], ['rmse-naive', naive]] as const) {
    $(id).textContent = value.toFixed(2);
    $(id).dataset.value = String(value);
  }
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  $<HTMLAnchorElement>('download').href = downloadUrl;
  $('result').hidden = false;
  forecastChart?.destroy();
  forecastChart = new Chart($<HTMLCanvasElement>('forecast-chart'), {
    type: 'line',
    data: {
      labels: days.map((d) => `day ${d + 1}`),
      datasets: [
        { label: 'actual', data: days.map((d) => sales[d]!), borderColor: '#1d2330', backgroundColor: '#1d2330', pointRadius: 0, borderWidth: 1.5 },
        { label: 'LSTM (reloaded)', data: Array.from(forecast), borderColor: '#2b6cb0', backgroundColor: '#2b6cb0', pointRadius: 0, borderWidth: 1.5 },
        { label: 'seasonal naive', data: days.map((d) => sales[d - 7]!), borderColor: '#a0aec0', backgroundColor: '#a0aec0', pointRadius: 0, borderWidth: 1, borderDash: [4, 3] },
      ],
    },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { title: { display: true, text: 'sales' } } } },
  });
  const why = history.stopReason ? ` (${history.stopReason})` : '';
  progress.textContent = `${history.epochs} epochs in ${seconds.toFixed(1)} s${why}; ${memory().handles} tensors alive`;
  setStatus(history.stopReason === 'aborted' ? 'stopped' : 'done', `done: test RMSE ${rmse!.toFixed(2)} (seasonal naive ${naive.toFixed(2)})`);
}

trainButton.addEventListener('click', () => {
  train()
    .catch((error: unknown) => {
      console.error(error);
      setStatus('error', `error: ${error instanceof Error ? error.message : String(error)}`);
    })
    .finally(() => {
      trainButton.disabled = false;
      stopButton.disabled = true;
    });
});
stopButton.addEventListener('click', () => controller?.abort());

ready({ prefer: ['cpu'] })
  .then((backend) => {
    setStatus('ready', `ready (${backend.name} backend)`);
    trainButton.disabled = false;
  })
  .catch((error: unknown) => setStatus('error', `no backend: ${error instanceof Error ? error.message : String(error)}`));
trainButton.disabled = true;
