/**
 * The "Train a model on this page" section: sentence pairs (pasted, from a file, or
 * the generated demo set), a few settings, and a training run in a Web Worker through
 * `@cellstate/worker` with live progress, pause/resume, cancel and checkpoints. When a
 * run ends (or a checkpoint is saved) the weights are loaded on the main thread and
 * handed to the page as a translation model; "Download model" writes them in the app's
 * model file format (`pnpm translate run -m file.safetensors` reads it).
 */
import { decodeInto } from '@cellstate/nn';
import { encodeSeq2SeqModel, Seq2Seq, type LoadedModel } from '@cellstate/seq2seq';
import { startTraining, type TrainingProgress, type TrainingSession, type TrainingStatus } from '@cellstate/worker';
import { demoPairs, MAX_WEB_TRAINING_BYTES, parseTsv, prepareTraining, toTsv, type PreparedTraining, type WebTrainingOptions } from './training-data.js';

/** A model trained on the page, ready to translate with. */
export interface TrainedModel {
  loaded: LoadedModel;
  /** Source sentences it was trained on (examples for the page). */
  examples: string[];
  /** One line for the page: step, loss, how the run ended. */
  summary: string;
}

export interface TrainPanelHooks {
  /** Resolves once the page's backend is ready (the trained model is built on it). */
  ready: Promise<unknown>;
  /** Called with each new trained model (end of a run, or a saved checkpoint). */
  onModel(model: TrainedModel): void;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}

/** The progress line: step, epoch, loss, perplexity, held-out scores, speed, ETA. */
export function describeProgress(p: TrainingProgress): string {
  const parts = [`step ${p.step}${p.totalSteps ? ` / ${p.totalSteps}` : ''}`];
  if (p.epoch !== undefined) parts.push(`epoch ${p.epoch}`);
  parts.push(`loss ${p.loss.toFixed(3)}`);
  if (p.metrics.perplexity !== undefined) parts.push(`perplexity ${p.metrics.perplexity.toFixed(2)}`);
  if (p.metrics.heldOutAccuracy !== undefined) parts.push(`held-out: ${p.metrics.heldOutAccuracy.toFixed(0)} % exact, BLEU ${p.metrics.heldOutBleu!.toFixed(1)}`);
  if (p.stepsPerSecond > 0) parts.push(`${p.stepsPerSecond.toFixed(1)} steps/s`);
  if (p.etaMs !== undefined) parts.push(`${formatSeconds(p.etaMs)} left`);
  return parts.join(' · ');
}

/** The loss curve so far, log scale, over the run's steps. */
function drawLossChart(chart: HTMLCanvasElement, losses: readonly { step: number; loss: number }[], totalSteps: number | undefined): void {
  const ctx = chart.getContext('2d');
  if (!ctx) return;
  const { width, height } = chart;
  ctx.clearRect(0, 0, width, height);
  if (losses.length < 2) return;
  const total = totalSteps ?? losses.at(-1)!.step;
  const logs = losses.map((l) => Math.log(Math.max(l.loss, 1e-4)));
  const hi = Math.max(...logs);
  const lo = Math.min(...logs);
  const y = (v: number) => 6 + (height - 12) * (hi === lo ? 0.5 : (hi - v) / (hi - lo));
  ctx.strokeStyle = '#1e5ac8';
  ctx.lineWidth = 2;
  ctx.beginPath();
  losses.forEach((l, i) => {
    const x = 4 + ((width - 8) * l.step) / Math.max(1, total);
    if (i === 0) ctx.moveTo(x, y(logs[i]!));
    else ctx.lineTo(x, y(logs[i]!));
  });
  ctx.stroke();
  ctx.fillStyle = '#666';
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText(`loss (log scale) ${losses[0]!.loss.toFixed(2)} → ${losses.at(-1)!.loss.toFixed(3)}`, 8, height - 8);
}

interface DataInputs {
  data: HTMLTextAreaElement;
  info: HTMLElement;
  epochs: HTMLElement;
  steps: HTMLInputElement;
  batch: HTMLInputElement;
  sourceLang: HTMLSelectElement;
  targetLang: HTMLSelectElement;
}

/** The sentence pairs box: counts pairs and epochs as it changes, the demo set button, the file picker; starts with the demo set. */
function setupDataInput(inputs: DataInputs, setStatus: (text: string, status: 'error') => void): void {
  const { data, info, epochs, steps, batch, sourceLang, targetLang } = inputs;
  // Parsing is cheap but a pasted corpus can be large: wait for a pause in typing.
  let parseTimer: ReturnType<typeof setTimeout> | undefined;
  const describeData = () => {
    const { pairs, skipped } = parseTsv(data.value);
    const size = Math.max(1, Number(batch.value) || 1);
    const n = Number(steps.value) || 0;
    info.textContent = `${pairs.length.toLocaleString('en')} pairs${skipped.length ? `; ${skipped.length} line${skipped.length > 1 ? 's' : ''} left out (no tab or an empty side; first: line ${skipped[0]})` : ''}`;
    epochs.textContent = pairs.length ? `≈ ${((n * size) / pairs.length).toFixed(1)} epochs` : '';
  };
  const scheduleDescribe = () => {
    clearTimeout(parseTimer);
    parseTimer = setTimeout(describeData, 150);
  };
  data.addEventListener('input', scheduleDescribe);
  for (const el of [steps, batch]) el.addEventListener('input', scheduleDescribe);
  $('train-demo').addEventListener('click', () => {
    data.value = toTsv(demoPairs());
    sourceLang.value = 'en';
    targetLang.value = 'fr';
    describeData();
  });
  $<HTMLInputElement>('train-file').addEventListener('change', async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    // A file this size would freeze the tab in the text area and the tokenizer long before training.
    if (file.size > MAX_WEB_TRAINING_BYTES) {
      setStatus(`${file.name}: larger than ${MAX_WEB_TRAINING_BYTES / 2 ** 20} MiB; train on it with the CLI (pnpm translate train --data ${file.name})`, 'error');
      return;
    }
    data.value = await file.text();
    describeData();
  });
  data.value = toTsv(demoPairs());
  describeData();
}

/** The model a run's checkpoint bytes hold, built on the main thread, with what the model file records about the run. */
async function modelFromWeights(run: { options: WebTrainingOptions; prepared: PreparedTraining }, bytes: Uint8Array, step: number, loss: number | undefined): Promise<LoadedModel> {
  const { prepared } = run;
  const model = new Seq2Seq(prepared.config);
  try {
    await decodeInto(model, bytes, { source: `training checkpoint (step ${step})` });
  } catch (error) {
    model.dispose();
    throw error;
  }
  model.eval();
  const o = run.options;
  return {
    model,
    sourceVocabulary: prepared.sourceVocabulary,
    targetVocabulary: prepared.targetVocabulary,
    preprocessing: prepared.preprocessing,
    info: {
      trainedOn: 'the cellstate translate web page',
      steps: step,
      ...(loss !== undefined ? { loss } : {}),
      pairs: prepared.train.length,
      options: { steps: o.steps, batchSize: o.batchSize, hiddenSize: o.hiddenSize, learningRate: o.learningRate, seed: prepared.seed },
    },
  };
}

/** Wires up the section; returns nothing (state lives in the closure). */
export function setupTrainPanel(hooks: TrainPanelHooks): void {
  const data = $<HTMLTextAreaElement>('train-data');
  const info = $('train-data-info');
  const epochs = $('train-epochs');
  const steps = $<HTMLInputElement>('train-steps');
  const hidden = $<HTMLSelectElement>('train-hidden');
  const batch = $<HTMLInputElement>('train-batch');
  const lr = $<HTMLInputElement>('train-lr');
  const sourceLang = $<HTMLSelectElement>('train-source-lang');
  const targetLang = $<HTMLSelectElement>('train-target-lang');
  const startButton = $<HTMLButtonElement>('train-start');
  const pauseButton = $<HTMLButtonElement>('train-pause');
  const cancelButton = $<HTMLButtonElement>('train-cancel');
  const checkpointButton = $<HTMLButtonElement>('train-checkpoint');
  const downloadButton = $<HTMLButtonElement>('train-download');
  const bar = $<HTMLProgressElement>('train-progress-bar');
  const stats = $('train-stats');
  const statusEl = $('train-status');
  const chart = $<HTMLCanvasElement>('train-chart');
  const log = $('train-log');
  const settings = [data, steps, hidden, batch, lr, sourceLang, targetLang, $<HTMLInputElement>('train-file'), $<HTMLButtonElement>('train-demo')];

  let session: TrainingSession | undefined;
  let run: { options: WebTrainingOptions; prepared: PreparedTraining } | undefined;
  let trained: LoadedModel | undefined;
  let losses: { step: number; loss: number }[] = [];

  const setStatus = (text: string, status?: TrainingStatus | 'idle' | 'error') => {
    statusEl.textContent = text;
    if (status) statusEl.dataset.status = status;
  };

  setupDataInput({ data, info, epochs, steps, batch, sourceLang, targetLang }, setStatus);

  const drawChart = () => drawLossChart(chart, losses, run?.options.steps);

  const running = (on: boolean) => {
    startButton.disabled = on;
    pauseButton.disabled = !on;
    cancelButton.disabled = !on;
    checkpointButton.disabled = !on;
    for (const el of settings) el.disabled = on;
    if (!on) pauseButton.textContent = 'Pause';
  };

  /** Builds the model on the main thread from checkpoint bytes and hands it to the page. */
  const useWeights = async (bytes: Uint8Array, step: number, how: string, loss?: number) => {
    if (!run) return;
    await hooks.ready;
    const { prepared } = run;
    trained = await modelFromWeights(run, bytes, step, loss);
    const { model } = trained;
    downloadButton.disabled = false;
    hooks.onModel({
      loaded: trained,
      examples: prepared.trainText.slice(0, 12).map((p) => p.source),
      summary: `${how} at step ${step}${loss !== undefined ? `, loss ${loss.toFixed(3)}` : ''}; ${model.parameterCount().toLocaleString('en')} parameters`,
    });
  };

  startButton.addEventListener('click', () => {
    const { pairs } = parseTsv(data.value);
    const options: WebTrainingOptions = {
      pairs,
      sourceLanguage: sourceLang.value,
      targetLanguage: targetLang.value,
      steps: Number(steps.value),
      batchSize: Number(batch.value),
      hiddenSize: Number(hidden.value),
      learningRate: Number(lr.value),
    };
    let prepared: PreparedTraining;
    try {
      prepared = prepareTraining(options); // checks the options here, and gives the page the vocabularies
    } catch (error) {
      setStatus(`cannot train: ${(error as Error).message}`, 'error');
      return;
    }
    run = { options, prepared };
    losses = [];
    drawChart();
    log.textContent = '';
    bar.value = 0;
    stats.textContent = '';
    stats.dataset.step = '0';
    running(true);
    const worker = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module', name: 'cellstate-train' });
    const current = startTraining({ worker, options, progressIntervalMs: 100 });
    session = current;
    current.on('progress', (p) => {
      stats.textContent = describeProgress(p);
      stats.dataset.step = String(p.step);
      bar.value = p.totalSteps ? p.step / p.totalSteps : 0;
      losses.push({ step: p.step, loss: p.loss });
      drawChart();
    });
    current.on('status', (s) => {
      setStatus(s, s);
      pauseButton.textContent = s === 'paused' ? 'Resume' : 'Pause';
    });
    current.on('log', (line) => (log.textContent += `${line}\n`));
    current.done
      .then(async (result) => {
        setStatus(`${result.status} after ${result.steps} steps (${formatSeconds(result.elapsedMs)} of training); loading the weights…`, result.status);
        if (result.checkpoint) await useWeights(result.checkpoint.bytes, result.steps, result.status, result.loss);
        setStatus(`${result.status} after ${result.steps} steps (${formatSeconds(result.elapsedMs)} of training); the model is selectable above`, result.status);
      })
      .catch((error: Error) => setStatus(`failed: ${error.message}`, 'failed'))
      .finally(() => {
        worker.terminate();
        if (session === current) session = undefined;
        running(false);
      });
  });

  pauseButton.addEventListener('click', () => {
    if (!session) return;
    void (session.status === 'paused' ? session.resume() : session.pause());
  });
  cancelButton.addEventListener('click', () => {
    setStatus('cancelling…');
    void session?.cancel();
  });
  checkpointButton.addEventListener('click', async () => {
    if (!session) return;
    checkpointButton.disabled = true;
    try {
      const c = await session.requestCheckpoint();
      download(c.bytes, `translate-training-step${c.step}.safetensors`);
      await useWeights(c.bytes, c.step, 'checkpoint', typeof session.lastProgress?.loss === 'number' ? session.lastProgress.loss : undefined);
      log.textContent += `checkpoint at step ${c.step} saved (${c.bytes.byteLength.toLocaleString('en')} bytes: weights and Adam state); its weights are selectable above\n`;
    } catch (error) {
      log.textContent += `checkpoint failed: ${(error as Error).message}\n`;
    } finally {
      checkpointButton.disabled = !session;
    }
  });
  downloadButton.addEventListener('click', async () => {
    if (!trained) return;
    download(await encodeSeq2SeqModel(trained, { dtype: 'F32' }), 'translate-trained.safetensors');
  });
}
