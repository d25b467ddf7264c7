// The page of the browser test: a button that must stay responsive while a Web Worker
// trains. Bundled by esbuild (browser platform: no Node API may sneak in).
import { startTraining, type TrainingSession } from '../index.js';

interface PageState {
  /** latencyMs: from the click event's creation to its handler; epochMs: wall-clock time the handler ran. */
  clicks: { latencyMs: number; epochMs: number; step: number }[];
  progress: { step: number; loss: number; etaMs?: number }[];
  statuses: string[];
  session?: TrainingSession;
  result?: unknown;
  error?: string;
}

const state: PageState = { clicks: [], progress: [], statuses: [] };
(window as unknown as { cellstate: PageState }).cellstate = state;

const button = document.getElementById('poke') as HTMLButtonElement;
const counter = document.getElementById('count')!;
const status = document.getElementById('status')!;
button.addEventListener('click', (event) => {
  // event.timeStamp: when the input event was created (before any wait for the main thread).
  state.clicks.push({ latencyMs: performance.now() - event.timeStamp, epochMs: performance.timeOrigin + performance.now(), step: state.progress.at(-1)?.step ?? 0 });
  counter.textContent = String(state.clicks.length);
});

document.getElementById('pause')!.addEventListener('click', () => void state.session?.pause());
document.getElementById('resume')!.addEventListener('click', () => void state.session?.resume());

/**
 * `bundled: false`: the generic runtime worker imports the training module by URL.
 * `bundled: true`: a worker entry that bundles its module (serveTraining), no URL.
 */
function start(options: { steps: number; delayMs: number }, bundled = false): void {
  state.progress = [];
  state.statuses = [];
  delete state.result;
  delete state.error;
  const worker = new Worker(new URL(bundled ? './bundled-worker.js' : './browser-entry.js', location.href), { type: 'module' });
  const session = bundled
    ? startTraining({ worker, options, progressIntervalMs: 0 })
    : startTraining({ worker, module: new URL('./train-setup.js', location.href).href, options, progressIntervalMs: 0, checkpointEvery: 0 });
  state.session = session;
  session.on('progress', (p) => {
    state.progress.push({ step: p.step, loss: p.loss, ...(p.etaMs !== undefined ? { etaMs: p.etaMs } : {}) });
    status.textContent = `step ${p.step}/${p.totalSteps}: loss ${p.loss.toFixed(4)}, ${Math.round((p.etaMs ?? 0) / 1000)} s left`;
  });
  session.on('status', (s) => state.statuses.push(s));
  session.done.then(
    (r) => (state.result = { status: r.status, steps: r.steps, loss: r.loss, checkpointBytes: r.checkpoint?.bytes.byteLength, checkpointIsUint8Array: r.checkpoint?.bytes instanceof Uint8Array }),
    (e: Error) => (state.error = e.message),
  );
}

Object.assign(window, { startRun: start });
