/**
 * The sentiment web page: classify typed text with a shipped model (general English, the
 * default, or airline tweets) or one trained in the page (label, probabilities, the words
 * that pushed the decision), train a model in a Web Worker (the Train view,
 * `./train-view.ts`), and show the chosen shipped model's evaluation report with the
 * confusion matrix as a chart. Runs on cellstate's CPU backend in the browser.
 */
import '@cellstate/backend-cpu';
import { ready } from '@cellstate/tensor';
import { SentimentClassifier, type EvaluationReport, type Explanation } from '@cellstate/sentiment';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { initTrainView } from './train-view.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/** The models shipped in `models/NAME/` (served as `./NAME/`), with what each is for. */
const SHIPPED: Record<string, string> = {
  general: 'general English (movie-review phrases, SST, and airline tweets)',
  airline: 'airline tweets',
};
/** The shipped model chosen first: `?model=NAME` (any `models/NAME/`), else `general`. */
const FIRST = new URLSearchParams(location.search).get('model') ?? 'general';
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');

/** Shipped models by name, loaded when first chosen; and the latest one trained in the page. */
const shipped = new Map<string, Promise<SentimentClassifier>>();
let trained: SentimentClassifier | undefined;
const modelSelect = $<HTMLSelectElement>('model-select');
let classifying: Promise<void> = Promise.resolve();

/** The shipped model's name for a select value `shipped:NAME`, else undefined (the trained model). */
function shippedName(value = modelSelect.value): string | undefined {
  return value.startsWith('shipped:') ? value.slice('shipped:'.length) : undefined;
}

/** The model the Classify view uses now (a shipped one is loaded on first use). */
async function currentClassifier(): Promise<SentimentClassifier | undefined> {
  const name = shippedName();
  return name === undefined ? trained : shippedModel(name);
}

function shippedModel(name: string): Promise<SentimentClassifier> {
  let p = shipped.get(name);
  if (!p) {
    p = loadModel(name);
    shipped.set(name, p);
    p.catch(() => shipped.delete(name));
  }
  return p;
}

async function loadModel(name: string): Promise<SentimentClassifier> {
  const [jsonResponse, weightResponse] = await Promise.all([fetch(`./${name}/sentiment.json`), fetch(`./${name}/model.safetensors`)]);
  if (!jsonResponse.ok || !weightResponse.ok) throw new Error(`model "${name}" not found (${jsonResponse.status} / ${weightResponse.status})`);
  const weights = new Uint8Array(await weightResponse.arrayBuffer());
  return SentimentClassifier.load(await jsonResponse.json(), weights, `${name}/sentiment.json`);
}

/** The shipped model whose report the Evaluation view shows: the chosen one, else the first. */
function reportModel(): string {
  return shippedName() ?? FIRST;
}

function colour(weight: number): string {
  const a = Math.min(1, Math.abs(weight) * 2.5);
  return weight >= 0 ? `rgba(40, 160, 70, ${a})` : `rgba(210, 50, 50, ${a})`;
}

function showResult(e: Explanation): void {
  $('result').hidden = false;
  $('label').textContent = e.label;
  $('warnings').replaceChildren(...e.warnings.map((w) => Object.assign(document.createElement('p'), { className: 'warning', textContent: `⚠ ${w}` })));
  $('probabilities').replaceChildren(
    ...Object.entries(e.probabilities).map(([label, p]) => {
      const li = document.createElement('li');
      li.dataset.label = label;
      li.dataset.probability = String(p);
      const bar = Object.assign(document.createElement('div'), { className: 'bar' });
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      li.append(Object.assign(document.createElement('span'), { textContent: label }), Object.assign(document.createElement('span'), { className: 'value', textContent: `${(100 * p).toFixed(1)}%` }), bar);
      return li;
    }),
  );
  $('influences').replaceChildren(
    ...e.influences.map((i) => {
      const span = Object.assign(document.createElement('span'), { className: 'token', title: `without this word p(${e.label}) changes by ${(-100 * i.weight).toFixed(1)} points` });
      span.style.background = colour(i.weight);
      span.dataset.weight = String(i.weight);
      span.append(i.token, Object.assign(document.createElement('sub'), { textContent: ` ${i.weight >= 0 ? '+' : ''}${(100 * i.weight).toFixed(0)}` }));
      return span;
    }),
  );
  if (e.influences.length === 0) $('influences').textContent = '(no words)';
}

function classify(): Promise<void> {
  classifying = classifying.then(classifyNow, classifyNow);
  return classifying;
}

async function classifyNow(): Promise<void> {
  const which = modelSelect.value;
  const name = shippedName(which);
  if (name !== undefined) status.textContent = `loading model "${name}"…`;
  const classifier = await currentClassifier();
  if (!classifier) {
    status.textContent = 'This model is not loaded.';
    return;
  }
  const text = $<HTMLTextAreaElement>('text').value;
  if (!text.trim()) {
    status.textContent = 'Type some text first.';
    return;
  }
  status.textContent = 'classifying…';
  const started = performance.now();
  const e = await classifier.explain(text);
  showResult(e);
  status.textContent = `done in ${(performance.now() - started).toFixed(0)} ms (${name === undefined ? 'the model trained in this page' : `model "${name}"`})`;
  $('result').dataset.model = which;
}

function table(el: HTMLElement, head: string[], rows: (string | number)[][]): void {
  const tr = (cells: (string | number)[], tag: 'td' | 'th') => {
    const r = document.createElement('tr');
    r.append(...cells.map((c) => Object.assign(document.createElement(tag), { textContent: String(c) })));
    return r;
  };
  el.replaceChildren(tr(head, 'th'), ...rows.map((r) => tr(r, 'td')));
}

let chart: Chart | undefined;
async function showReport(): Promise<void> {
  const summary = $('report-summary');
  const model = reportModel();
  const response = await fetch(`./${model}/report.json`);
  if (!response.ok) {
    summary.textContent = `No evaluation report for "${model}" (report.json is written by \`pnpm sentiment train\`).`;
    return;
  }
  const report = (await response.json()) as { metrics: Record<string, EvaluationReport>; baseline?: Record<string, EvaluationReport>; trainSeconds?: number };
  const split = report.metrics.test ? 'test' : 'valid';
  const r = report.metrics[split]!;
  const b = report.baseline?.[split];
  const f = (x: number) => x.toFixed(3);
  summary.replaceChildren();
  const h = Object.assign(document.createElement('h2'), { textContent: `Model "${model}": evaluation on the ${split} split (${r.count} examples)` });
  const t = document.createElement('table');
  t.id = 'summary-table';
  table(t, ['model', 'accuracy', 'macro-F1', 'weighted-F1'], [['LSTM', f(r.accuracy), f(r.macroF1), f(r.weightedF1)], ...(b ? [['bag-of-words logistic regression', f(b.accuracy), f(b.macroF1), f(b.weightedF1)]] : [])]);
  summary.append(h, t);
  table($('confusion-table'), ['true \\ predicted', ...r.labels], r.labels.map((l, i) => [l, ...r.confusion[i]!]));
  table($('per-class'), ['class', 'precision', 'recall', 'F1', 'support'], r.perClass.map((m) => [m.label, f(m.precision), f(m.recall), f(m.f1), m.support]));
  chart?.destroy();
  const palette = ['#d9534f', '#9e9e9e', '#5cb85c', '#4a7bd0', '#f0ad4e', '#8e44ad'];
  chart = new Chart($<HTMLCanvasElement>('confusion-chart'), {
    type: 'bar',
    data: {
      labels: r.labels.map((l) => `true ${l}`),
      datasets: r.labels.map((pred, j) => ({ label: `predicted ${pred}`, data: r.confusion.map((row) => row[j]!), backgroundColor: palette[j % palette.length] })),
    },
    options: { animation: false, responsive: true, scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'examples' } } } },
  });
  $('confusion-chart').dataset.ready = 'true';
}

const VIEWS = ['classify', 'train', 'report'] as const;

function route(): void {
  const view = VIEWS.find((v) => location.hash === `#/${v}`) ?? 'classify';
  for (const v of VIEWS) {
    $(`view-${v}`).hidden = v !== view;
    $(`nav-${v}`).classList.toggle('active', v === view);
  }
  if (view === 'report') void showReport();
}

function enableClassify(): void {
  const button = $<HTMLButtonElement>('classify');
  button.disabled = shippedName() === undefined && trained === undefined;
}

function onTrained({ classifier, description }: { classifier: SentimentClassifier; description: string }): void {
  const previous = trained;
  trained = classifier;
  if (previous && previous !== classifier) void classifying.catch(() => undefined).then(() => previous.dispose());
  const option = $<HTMLOptionElement>('model-option-trained');
  option.disabled = false;
  option.textContent = description;
  modelSelect.value = 'trained';
  modelSelect.dataset.trained = 'true';
  enableClassify();
}

async function start(): Promise<void> {
  window.addEventListener('hashchange', route);
  route();
  $('classify').addEventListener('click', () => void classify().catch(fail));
  $<HTMLTextAreaElement>('text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void classify().catch(fail);
  });
  modelSelect.addEventListener('change', () => {
    enableClassify();
    if (!$('result').hidden && (shippedName() !== undefined || trained)) void classify().catch(fail);
    if (location.hash === '#/report') void showReport();
  });
  // One option per shipped model (and `?model=NAME` when it is another), before "trained in this page".
  const names = [...Object.keys(SHIPPED), ...(FIRST in SHIPPED ? [] : [FIRST])];
  const trainedOption = $<HTMLOptionElement>('model-option-trained');
  for (const name of names) {
    const option = Object.assign(document.createElement('option'), { value: `shipped:${name}`, id: `model-option-${name}`, textContent: `${name}: ${SHIPPED[name] ?? `models/${name}`}` });
    modelSelect.insertBefore(option, trainedOption);
  }
  modelSelect.value = `shipped:${FIRST}`;
  try {
    const backend = await ready({ prefer: ['cpu'] });
    initTrainView({ onTrained });
    $<HTMLButtonElement>('train-start').dataset.ready = 'true';
    const first = await shippedModel(FIRST);
    status.textContent = `ready: model "${FIRST}" (${first.labels.join(' / ')}, vocabulary ${first.vocabulary.size}) on the ${backend.name} backend`;
    status.dataset.ready = 'true';
    enableClassify();
  } catch (e) {
    fail(e);
  }
}

function fail(e: unknown): void {
  status.textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
  status.dataset.error = 'true';
}

void start();
