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
import type { SentimentClassifier } from '@cellstate/sentiment';
import { startTraining, type TrainingCheckpoint, type TrainingProgress, type TrainingResult, type TrainingSession, type TrainingStatus } from '@cellstate/worker';
import { DEFAULT_SETTINGS, prepareTraining, type TrainSettings } from './prepare.js';
import { TrainChart } from './train-chart.js';
import { setupDataPicker, type LoadedData } from './train-data-picker.js';
import type { WebTrainingMetrics, WebTrainingOptions } from './training.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export interface TrainedModel {
  classifier: SentimentClassifier;
  /** One line for menus: data, steps, validation metrics. */
  description: string;
}

/** One training run's fixed inputs: continuing a cancelled run reuses them with its checkpoint. */
interface Run {
  options: WebTrainingOptions;
  classifier: SentimentClassifier;
  dataName: string;
  checkpoint?: TrainingCheckpoint;
  result?: TrainingResult;
}

/** The settings fields, each clamped to its range (a field that is not a number gives the default). */
function readSettings(): TrainSettings {
  const numberOf = (id: string, fallback: number, min: number, max: number, integer = true): number => {
    const v = Number($<HTMLInputElement>(id).value);
    if (!Number.isFinite(v)) return fallback;
    const clamped = Math.min(max, Math.max(min, v));
    return integer ? Math.round(clamped) : clamped;
  };
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

/** The progress line (step, epoch, loss, metrics, speed, time left) and bar; the e2e test reads the data attributes. */
function showProgress(p: TrainingProgress, epochs: number, progressBar: HTMLProgressElement, progressText: HTMLElement): void {
  const m = p.metrics as unknown as Partial<WebTrainingMetrics>;
  const total = p.totalSteps ?? p.step;
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
}

/**
 * The "click me" button: records how long after each click its handler ran, and whether
 * the worker was training then, so a person or the e2e test can see that training in
 * the worker leaves this thread free.
 */
function setupResponsivenessCheck(training: () => boolean, step: () => number): void {
  const poke = $<HTMLButtonElement>('poke');
  const pokeCount = $('poke-count');
  const clicks: { latencyMs: number; at: number; step: number; training: boolean }[] = [];
  poke.addEventListener('click', (event) => {
    // event.timeStamp: when the input event was created, before any wait for this thread.
    const latencyMs = performance.now() - event.timeStamp;
    const isTraining = training();
    clicks.push({ latencyMs, at: performance.timeOrigin + performance.now(), step: step(), training: isTraining });
    pokeCount.textContent = `${clicks.length} ${clicks.length === 1 ? 'click' : 'clicks'}; the last one was handled ${latencyMs.toFixed(0)} ms after it happened${isTraining ? ', while the worker trains' : ''}`;
    pokeCount.dataset.count = String(clicks.length);
    pokeCount.dataset.clicks = JSON.stringify(clicks);
  });
}

/** Loads a run's trained weights into its classifier and records the run in it; shows and returns a one-line description. */
async function loadTrained(r: Run, result: TrainingResult, checkpoint: TrainingCheckpoint): Promise<string> {
  await decodeInto(r.classifier.model, checkpoint.bytes, { source: 'the trained weights' });
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
  return description;
}

/** Download links for the classifier in the app's format (JSON and weights); returns their object URLs. */
async function offerDownloads(classifier: SentimentClassifier): Promise<string[]> {
  const json = new Blob([`${JSON.stringify(classifier.toJSON())}\n`], { type: 'application/json' });
  const weights = new Blob([(await classifier.encodeWeights()) as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
  const urls = [URL.createObjectURL(json), URL.createObjectURL(weights)];
  $<HTMLAnchorElement>('download-json').href = urls[0]!;
  $<HTMLAnchorElement>('download-weights').href = urls[1]!;
  $('train-result').hidden = false;
  return urls;
}

function setStatus(text: string, status: TrainingStatus | 'idle' | 'preparing' | 'loading'): void {
  const statusEl = $('train-status');
  statusEl.textContent = text;
  statusEl.dataset.status = status;
}

/** What the status line says when a session's status changes (nothing for the end states: the result says more). */
function statusLine(status: TrainingStatus, step: number): string | undefined {
  if (status === 'starting') return 'starting the worker…';
  if (status === 'running') return 'training';
  if (status === 'paused') return `paused at step ${step}`;
  if (status === 'failed') return 'failed';
  return undefined;
}

function log(line: string): void {
  const logEl = $('train-log');
  logEl.textContent += `${line}\n`;
  logEl.scrollTop = logEl.scrollHeight;
}

/** Empties the log and the progress line and bar, for a new run. */
function clearProgress(progressBar: HTMLProgressElement, progressText: HTMLElement): void {
  $('train-log').textContent = '';
  progressText.textContent = '';
  progressText.dataset.step = '0';
  delete progressText.dataset.validAccuracy;
  delete progressText.dataset.validMacroF1;
  progressBar.value = 0;
}

export function initTrainView(hooks: { onTrained(model: TrainedModel): void }): void {
  const startButton = $<HTMLButtonElement>('train-start');
  const pauseButton = $<HTMLButtonElement>('train-pause');
  const cancelButton = $<HTMLButtonElement>('train-cancel');
  const checkpointButton = $<HTMLButtonElement>('train-checkpoint');
  const continueButton = $<HTMLButtonElement>('train-continue');
  const progressBar = $<HTMLProgressElement>('train-progress');
  const progressText = $('train-progress-text');
  let session: TrainingSession | undefined;
  let run: Run | undefined;
  let worker: Worker | undefined;
  let downloadUrls: string[] = [];
  const data = setupDataPicker(updateButtons);

  /** Split, vocabulary, classifier: everything the worker needs, built from the chosen data (quick, on this thread). */
  async function prepare(d: LoadedData): Promise<Run> {
    const { classifier, options } = await prepareTraining(d.examples, d.labels, readSettings());
    return { options, classifier, dataName: d.name };
  }

  const chart = new TrainChart($<HTMLCanvasElement>('train-chart'));

  function updateButtons(): void {
    const status = session?.status;
    const active = status === 'starting' || status === 'running' || status === 'paused';
    startButton.disabled = active || !data.selected();
    pauseButton.disabled = !(status === 'running' || status === 'paused');
    pauseButton.textContent = status === 'paused' ? 'Resume' : 'Pause';
    cancelButton.disabled = !active;
    checkpointButton.disabled = !(status === 'running' || status === 'paused' || run?.checkpoint);
    continueButton.disabled = active || !run?.checkpoint || run.result?.status !== 'cancelled';
    $<HTMLFieldSetElement>('train-data').disabled = active;
    $<HTMLFieldSetElement>('train-settings').disabled = active;
  }

  function onProgress(p: TrainingProgress): void {
    showProgress(p, run?.options.epochs ?? 0, progressBar, progressText);
    chart.add(p);
  }

  async function finish(r: Run, result: TrainingResult): Promise<void> {
    r.result = result;
    if (result.checkpoint) r.checkpoint = result.checkpoint;
    if (!result.checkpoint) {
      setStatus(`${result.status} (no checkpoint came back)`, result.status);
      return;
    }
    setStatus(`${result.status}: loading the trained weights…`, 'loading');
    const description = await loadTrained(r, result, result.checkpoint);
    for (const url of downloadUrls) URL.revokeObjectURL(url);
    downloadUrls = await offerDownloads(r.classifier);
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
      const line = statusLine(status, s.step);
      if (line !== undefined) setStatus(line, status);
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
    const d = data.selected();
    if (!d) return;
    startButton.disabled = true;
    setStatus('preparing the data…', 'preparing');
    clearProgress(progressBar, progressText);
    chart.reset();
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

  setupResponsivenessCheck(() => session?.status === 'running', () => Number(progressText.dataset.step ?? 0));
  data.show();
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
