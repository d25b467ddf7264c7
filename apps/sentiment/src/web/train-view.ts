/**
 * The Train view: pick the data (the built-in demo set or a labelled file), set epochs
 * and sizes, and train a new classifier in a Web Worker through `@cellstate/worker`
 * (`./train.worker.ts` runs `./training.ts`). The page shows progress (step, loss,
 * metrics, ETA, a loss chart) and offers Pause/Resume, Cancel, Save checkpoint and
 * Continue; at the end it loads the trained weights into its own copy of the model
 * (`decodeInto`) and hands it to the Classify view, with downloads in the app's format.
 *
 * The data is prepared here (parse, split, vocabulary, initial weights: quick), the
 * training itself never runs on this thread.
 */
import { decodeInto } from '@cellstate/nn';
import type { LabeledText, SentimentClassifier } from '@cellstate/sentiment';
import { startTraining, type TrainingCheckpoint, type TrainingProgress, type TrainingResult, type TrainingSession, type TrainingStatus } from '@cellstate/worker';
import { Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import { parseDataset, type Problem } from '../dataset.js';
import { readTrainingFile } from './web-file.js';
import { DEMO_LABELS, demoDataset } from './demo-data.js';
import { DEFAULT_SETTINGS, labelsOf, prepareTraining, type TrainSettings } from './prepare.js';
import type { WebTrainingMetrics, WebTrainingOptions } from './training.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export interface TrainedModel {
  classifier: SentimentClassifier;
  /** One line for menus: data, steps, validation metrics. */
  description: string;
}

interface LoadedData {
  name: string;
  examples: LabeledText[];
  labels: string[];
  problems: Problem[];
}

/** One training run's fixed inputs: continuing a cancelled run reuses them with its checkpoint. */
interface Run {
  options: WebTrainingOptions;
  classifier: SentimentClassifier;
  dataName: string;
  checkpoint?: TrainingCheckpoint;
  result?: TrainingResult;
}

export function initTrainView(hooks: { onTrained(model: TrainedModel): void }): void {
  const startButton = $<HTMLButtonElement>('train-start');
  const pauseButton = $<HTMLButtonElement>('train-pause');
  const cancelButton = $<HTMLButtonElement>('train-cancel');
  const checkpointButton = $<HTMLButtonElement>('train-checkpoint');
  const continueButton = $<HTMLButtonElement>('train-continue');
  const statusEl = $('train-status');
  const progressBar = $<HTMLProgressElement>('train-progress');
  const progressText = $('train-progress-text');
  const logEl = $('train-log');
  const summaryEl = $('train-data-summary');
  const problemsEl = $('train-data-problems');
  const fileInput = $<HTMLInputElement>('train-file');
  const demoRadio = $<HTMLInputElement>('train-source-demo');
  const fileRadio = $<HTMLInputElement>('train-source-file');

  const demo: LoadedData = { name: 'demo data', examples: demoDataset(), labels: [...DEMO_LABELS], problems: [] };
  $('demo-summary').textContent = `${demo.examples.length} short airline sentences such as “${demo.examples[0]!.text}” (${countLabels(demo.examples, demo.labels)})`;
  let fileData: LoadedData | undefined;
  let fileError = '';
  let session: TrainingSession | undefined;
  let run: Run | undefined;
  let worker: Worker | undefined;
  let downloadUrls: string[] = [];

  // --- data -------------------------------------------------------------------------
  const selected = (): LoadedData | undefined => (fileRadio.checked ? fileData : demo);

  function showData(): void {
    const d = selected();
    problemsEl.replaceChildren();
    if (fileRadio.checked && !d) {
      summaryEl.textContent = fileError || 'Pick a file.';
      summaryEl.dataset.examples = '0';
    } else if (d) {
      const skipped = d.problems.filter((p) => p.skipped).length;
      summaryEl.textContent = `${d.name}: ${d.examples.length} examples (${countLabels(d.examples, d.labels)})${skipped ? `, ${skipped} ${skipped === 1 ? 'line' : 'lines'} skipped` : ''}`;
      summaryEl.dataset.examples = String(d.examples.length);
      summaryEl.dataset.labels = d.labels.join(',');
      problemsEl.append(...d.problems.slice(0, 8).map((p) => Object.assign(document.createElement('li'), { textContent: `${p.skipped ? 'skipped' : 'warning'}: ${p.file}:${p.line}: ${p.message}` })));
      if (d.problems.length > 8) problemsEl.append(Object.assign(document.createElement('li'), { textContent: `… and ${d.problems.length - 8} more` }));
    }
    updateButtons();
  }

  async function readFile(): Promise<void> {
    const file = fileInput.files?.[0];
    fileData = undefined;
    fileError = '';
    if (!file) return showData();
    fileRadio.checked = true;
    summaryEl.textContent = `reading ${file.name}…`;
    try {
      // Within a size budget: a huge file or a gzip bomb must not freeze the tab.
      const bytes = await readTrainingFile(file);
      const textColumn = $<HTMLInputElement>('train-text-column').value.trim();
      const labelColumn = $<HTMLInputElement>('train-label-column').value.trim();
      const ds = parseDataset(bytes, file.name, { ...(textColumn ? { textColumn } : {}), ...(labelColumn ? { labelColumn } : {}), onError: 'skip' });
      const examples = ds.examples.map(({ text, label }) => ({ text, label }));
      const labels = labelsOf(examples);
      if (labels.length < 2) fileError = `${file.name}: ${examples.length} examples, but a classifier needs at least two labels (found ${labels.map((l) => JSON.stringify(l)).join(', ') || 'none'})`;
      else fileData = { name: file.name, examples, labels, problems: ds.problems };
    } catch (e) {
      fileError = `${file.name}: ${(e as Error).message}`;
    }
    showData();
  }

  fileInput.addEventListener('change', () => void readFile());
  for (const id of ['train-text-column', 'train-label-column']) $(id).addEventListener('change', () => void readFile());
  demoRadio.addEventListener('change', showData);
  fileRadio.addEventListener('change', showData);

  // --- settings -----------------------------------------------------------------------
  const numberOf = (id: string, fallback: number, min: number, max: number, integer = true): number => {
    const v = Number($<HTMLInputElement>(id).value);
    if (!Number.isFinite(v)) return fallback;
    const clamped = Math.min(max, Math.max(min, v));
    return integer ? Math.round(clamped) : clamped;
  };

  function settings(): TrainSettings {
    const d = DEFAULT_SETTINGS;
    return {
      epochs: numberOf('train-epochs', d.epochs, 1, 200),
      hiddenSize: numberOf('train-hidden', d.hiddenSize, 2, 512),
      embeddingDim: numberOf('train-embedding', d.embeddingDim, 2, 512),
      batchSize: numberOf('train-batch', d.batchSize, 1, 1024),
      learningRate: numberOf('train-lr', d.learningRate, 1e-5, 1, false),
      validFraction: numberOf('train-valid-fraction', d.validFraction, 0, 0.5, false),
    };
  }

  /** Split, vocabulary, classifier: everything the worker needs, built from the chosen data (quick, on this thread). */
  async function prepare(d: LoadedData): Promise<Run> {
    const { classifier, options } = await prepareTraining(d.examples, d.labels, settings());
    return { options, classifier, dataName: d.name };
  }

  // --- training -----------------------------------------------------------------------
  const chart = new Chart($<HTMLCanvasElement>('train-chart'), {
    type: 'line',
    data: {
      datasets: [
        { label: 'training loss', data: [] as { x: number; y: number }[], borderColor: '#4a7bd0', backgroundColor: '#4a7bd0', pointRadius: 0, borderWidth: 1.5, yAxisID: 'y' },
        { label: 'validation macro-F1', data: [] as { x: number; y: number }[], borderColor: '#5cb85c', backgroundColor: '#5cb85c', pointRadius: 3, borderWidth: 1.5, yAxisID: 'f1' },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      parsing: false,
      scales: {
        x: { type: 'linear', title: { display: true, text: 'step' } },
        y: { type: 'linear', title: { display: true, text: 'loss' }, beginAtZero: true },
        f1: { type: 'linear', position: 'right', min: 0, max: 1, title: { display: true, text: 'macro-F1' }, grid: { drawOnChartArea: false } },
      },
    },
  });
  let chartPending = false;
  let lastValidStep = 0;
  const redraw = () => {
    if (chartPending) return;
    chartPending = true;
    requestAnimationFrame(() => {
      chartPending = false;
      chart.update('none');
    });
  };
  const resetChart = () => {
    for (const ds of chart.data.datasets) ds.data = [];
    lastValidStep = 0;
    chart.update('none');
  };

  function updateButtons(): void {
    const status = session?.status;
    const active = status === 'starting' || status === 'running' || status === 'paused';
    startButton.disabled = active || !selected();
    pauseButton.disabled = !(status === 'running' || status === 'paused');
    pauseButton.textContent = status === 'paused' ? 'Resume' : 'Pause';
    cancelButton.disabled = !active;
    checkpointButton.disabled = !(status === 'running' || status === 'paused' || run?.checkpoint);
    continueButton.disabled = active || !run?.checkpoint || run.result?.status !== 'cancelled';
    $<HTMLFieldSetElement>('train-data').disabled = active;
    $<HTMLFieldSetElement>('train-settings').disabled = active;
  }

  function setStatus(text: string, status: TrainingStatus | 'idle' | 'preparing' | 'loading'): void {
    statusEl.textContent = text;
    statusEl.dataset.status = status;
  }

  function log(line: string): void {
    logEl.textContent += `${line}\n`;
    logEl.scrollTop = logEl.scrollHeight;
  }

  function onProgress(p: TrainingProgress): void {
    const m = p.metrics as unknown as Partial<WebTrainingMetrics>;
    const total = p.totalSteps ?? p.step;
    const epochs = run?.options.epochs ?? 0;
    progressBar.max = total;
    progressBar.value = p.step;
    const parts = [
      `step ${p.step} / ${total}`,
      ...(p.epoch !== undefined ? [`epoch ${p.epoch} / ${epochs}`] : []),
      `loss ${p.loss.toFixed(4)}`,
      ...(m.batchAccuracy !== undefined ? [`batch accuracy ${m.batchAccuracy.toFixed(2)}`] : []),
      ...(m.validAccuracy !== undefined && m.validMacroF1 !== undefined ? [`validation accuracy ${m.validAccuracy.toFixed(3)}, macro-F1 ${m.validMacroF1.toFixed(3)}`] : []),
      `${p.stepsPerSecond.toFixed(1)} steps/s`,
      p.etaMs !== undefined && p.step < total ? `${formatDuration(p.etaMs)} left` : `${formatDuration(p.elapsedMs)} in all`,
    ];
    progressText.textContent = parts.join(' · ');
    progressText.dataset.step = String(p.step);
    progressText.dataset.totalSteps = String(total);
    if (m.validAccuracy !== undefined) {
      progressText.dataset.validAccuracy = String(m.validAccuracy);
      progressText.dataset.validMacroF1 = String(m.validMacroF1);
    }
    const loss = chart.data.datasets[0]!.data as { x: number; y: number }[];
    loss.push({ x: p.step, y: p.loss });
    if (loss.length > 2000) chart.data.datasets[0]!.data = loss.filter((_, i) => i % 2 === 1); // keep the chart light on long runs
    if (m.validStep !== undefined && m.validMacroF1 !== undefined && m.validStep !== lastValidStep) {
      (chart.data.datasets[1]!.data as { x: number; y: number }[]).push({ x: m.validStep, y: m.validMacroF1 });
      lastValidStep = m.validStep;
    }
    redraw();
  }

  async function finish(r: Run, result: TrainingResult): Promise<void> {
    r.result = result;
    if (result.checkpoint) r.checkpoint = result.checkpoint;
    if (!result.checkpoint) {
      setStatus(`${result.status} (no checkpoint came back)`, result.status);
      return;
    }
    setStatus(`${result.status}: loading the trained weights…`, 'loading');
    await decodeInto(r.classifier.model, result.checkpoint.bytes, { source: 'the trained weights' });
    r.classifier.model.eval();
    const m = result.metrics as unknown as Partial<WebTrainingMetrics>;
    const metrics = m.validAccuracy !== undefined && m.validMacroF1 !== undefined ? `validation accuracy ${m.validAccuracy.toFixed(3)}, macro-F1 ${m.validMacroF1.toFixed(3)}` : 'no validation yet';
    r.classifier.info = {
      trainedAt: new Date().toISOString(),
      trainedIn: 'the web page (Web Worker, CPU backend)',
      data: r.dataName,
      trainExamples: r.options.train.length,
      validExamples: r.options.valid.length,
      epochs: r.options.epochs,
      batchSize: r.options.batchSize,
      learningRate: r.options.learningRate,
      steps: result.steps,
      status: result.status,
      trainSeconds: Math.round(result.elapsedMs / 1000),
      ...(m.validAccuracy !== undefined ? { metrics: { valid: { accuracy: m.validAccuracy, macroF1: m.validMacroF1 } } } : {}),
    };
    const description = `trained in this page: ${r.dataName}, ${result.steps} steps${result.status === 'cancelled' ? ' (cancelled)' : ''}, ${metrics}`;
    const summary = $('train-result-summary');
    summary.textContent = `${result.status === 'completed' ? 'Done' : 'Cancelled'} after ${result.steps} steps in ${formatDuration(result.elapsedMs)}: ${metrics}. Vocabulary ${r.classifier.vocabulary.size}, labels ${r.classifier.labels.join(' / ')}.`;
    summary.dataset.steps = String(result.steps);
    if (m.validAccuracy !== undefined) summary.dataset.validAccuracy = String(m.validAccuracy);
    for (const url of downloadUrls) URL.revokeObjectURL(url);
    const json = new Blob([`${JSON.stringify(r.classifier.toJSON())}\n`], { type: 'application/json' });
    const weights = new Blob([(await r.classifier.encodeWeights()) as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
    downloadUrls = [URL.createObjectURL(json), URL.createObjectURL(weights)];
    $<HTMLAnchorElement>('download-json').href = downloadUrls[0]!;
    $<HTMLAnchorElement>('download-weights').href = downloadUrls[1]!;
    $('train-result').hidden = false;
    hooks.onTrained({ classifier: r.classifier, description });
    setStatus(`${result.status}: the Classify view now uses the trained model`, result.status);
  }

  function launch(r: Run, resumeFrom?: Uint8Array): void {
    run = r;
    delete r.result;
    worker?.terminate();
    const w = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module', name: 'sentiment-training' });
    worker = w;
    const s = startTraining({ worker: w, options: r.options, progressIntervalMs: 100, ...(resumeFrom ? { resumeFrom } : {}) });
    session = s;
    s.on('status', (status) => {
      if (status === 'starting') setStatus('starting the worker…', status);
      else if (status === 'running') setStatus('training', status);
      else if (status === 'paused') setStatus(`paused at step ${s.step}`, status);
      else if (status === 'failed') setStatus('failed', status);
      updateButtons();
    });
    s.on('progress', onProgress);
    s.on('log', log);
    updateButtons();
    s.done
      .then((result) => finish(r, result))
      .catch((e: Error) => {
        setStatus(`failed: ${e.message}`, 'failed');
        log(`error: ${e.message}`);
      })
      .finally(() => {
        if (worker === w) worker = undefined;
        w.terminate();
        updateButtons();
      });
  }

  startButton.addEventListener('click', () => {
    const d = selected();
    if (!d) return;
    startButton.disabled = true;
    setStatus('preparing the data…', 'preparing');
    logEl.textContent = '';
    progressText.textContent = '';
    progressText.dataset.step = '0';
    delete progressText.dataset.validAccuracy;
    delete progressText.dataset.validMacroF1;
    progressBar.value = 0;
    resetChart();
    // Let the status paint before the (short) preparation.
    setTimeout(() => {
      prepare(d)
        .then((r) => {
          log(`training on ${d.name}`);
          launch(r);
        })
        .catch((e: Error) => {
          setStatus(`failed: ${e.message}`, 'failed');
          updateButtons();
        });
    }, 0);
  });

  pauseButton.addEventListener('click', () => {
    if (!session) return;
    if (session.status === 'paused') void session.resume();
    else {
      setStatus('pausing at the next step…', 'running');
      void session.pause();
    }
  });

  cancelButton.addEventListener('click', () => {
    if (!session) return;
    setStatus('cancelling at the next step…', session.status);
    void session.cancel();
  });

  checkpointButton.addEventListener('click', () => {
    const s = session;
    const active = s && (s.status === 'running' || s.status === 'paused');
    const pending = active ? s.requestCheckpoint() : run?.checkpoint ? Promise.resolve(run.checkpoint) : undefined;
    if (!pending) return;
    checkpointButton.disabled = true;
    pending
      .then((c) => {
        if (run) run.checkpoint = c;
        download(c.bytes, `sentiment-checkpoint-step-${c.step}.safetensors`);
        log(`checkpoint at step ${c.step} (${(c.bytes.byteLength / 1024).toFixed(0)} KiB: model, Adam state, step) saved`);
      })
      .catch((e: Error) => log(`no checkpoint: ${e.message}`))
      .finally(updateButtons);
  });

  continueButton.addEventListener('click', () => {
    if (!run?.checkpoint) return;
    log(`continuing from the checkpoint at step ${run.checkpoint.step}`);
    launch(run, run.checkpoint.bytes);
  });

  // --- responsiveness check -----------------------------------------------------------------
  const poke = $<HTMLButtonElement>('poke');
  const pokeCount = $('poke-count');
  const clicks: { latencyMs: number; at: number; step: number; training: boolean }[] = [];
  poke.addEventListener('click', (event) => {
    // event.timeStamp: when the input event was created, before any wait for this thread.
    const latencyMs = performance.now() - event.timeStamp;
    const training = session?.status === 'running';
    clicks.push({ latencyMs, at: performance.timeOrigin + performance.now(), step: Number(progressText.dataset.step ?? 0), training });
    pokeCount.textContent = `${clicks.length} ${clicks.length === 1 ? 'click' : 'clicks'}; the last one was handled ${latencyMs.toFixed(0)} ms after it happened${training ? ', while the worker trains' : ''}`;
    pokeCount.dataset.count = String(clicks.length);
    pokeCount.dataset.clicks = JSON.stringify(clicks);
  });

  showData();
}

function countLabels(examples: readonly LabeledText[], labels: readonly string[]): string {
  return labels.map((l) => `${l} ${examples.filter((e) => e.label === l).length}`).join(', ');
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
