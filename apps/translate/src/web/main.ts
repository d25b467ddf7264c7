/**
 * The translation page: loads the shipped model, translates in the browser (WebGPU
 * when the backend package and a GPU are there, else the CPU backend) and draws the
 * attention of each target word over the source words. Below, a model can be trained
 * on the page in a Web Worker (`train-panel.ts`); once trained, the model switch
 * translates with it instead.
 */
import '@cellstate/backend-cpu';
import { chooseBackend, listBackends, type BackendLoaders } from '@cellstate/tensor';
import { decodeSeq2SeqModel } from '@cellstate/seq2seq';
import { Translator, type Translation } from '../translator.js';
import { setupTrainPanel, type TrainedModel } from './train-panel.js';
import modelUrl from '../../models/en-fr.safetensors?url';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function startBackend(): Promise<string> {
  // The CPU backend is imported above: always needed, and a static import is what Vite's
  // dev server finds up front (one found at run time makes it reload the page). WebGPU's
  // package is fetched only where the browser has the API; it registers with a higher
  // priority than the CPU's and returns no backend without an adapter, so 'auto' takes it
  // where it works and the CPU elsewhere.
  const loaders: BackendLoaders = 'gpu' in navigator ? { webgpu: () => import('@cellstate/backend-webgpu') } : {};
  const backend = await chooseBackend('auto', loaders);
  return backend.name;
}

function drawHeatmap(t: Translation): void {
  const host = $('heatmap');
  host.textContent = '';
  if (!t.attention || t.attention.length === 0) return;
  const columns = [...t.sourceTokens, '<eos>'];
  const rows = [...t.targetTokens, '<eos>'];
  const table = document.createElement('table');
  table.className = 'heatmap';
  const head = table.createTHead().insertRow();
  head.appendChild(document.createElement('th'));
  for (const c of columns) {
    const th = document.createElement('th');
    th.textContent = c;
    head.appendChild(th);
  }
  const body = table.createTBody();
  t.attention.forEach((weights, r) => {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.textContent = rows[r] ?? '';
    tr.appendChild(th);
    weights.forEach((w, c) => {
      const td = tr.insertCell();
      td.style.background = `rgba(30, 90, 200, ${w.toFixed(3)})`;
      td.title = `${rows[r]} ← ${columns[c]}: ${w.toFixed(2)}`;
      td.dataset.weight = w.toFixed(4);
    });
  });
  host.appendChild(table);
}

const SHIPPED_EXAMPLES = ['I am cold.', 'Where is the station?', "I don't know.", 'Thank you very much.', 'We are late.'];

type ModelName = 'shipped' | 'trained';
const translators: { shipped?: Translator; trained?: Translator } = {};
const examples: Record<ModelName, string[]> = { shipped: SHIPPED_EXAMPLES, trained: [] };
let selected: ModelName = 'shipped';
let busy = false;
/** Trained models replaced while a translation was running: disposed when it ends. */
const retired: Translator[] = [];

function refresh(): void {
  $<HTMLButtonElement>('translate').disabled = busy || !translators[selected];
}

function disposeRetired(): void {
  if (busy) return;
  for (const t of retired.splice(0)) t.loaded.model.dispose();
}

function useTrained(model: TrainedModel): void {
  if (translators.trained) retired.push(translators.trained);
  disposeRetired();
  translators.trained = new Translator(model.loaded);
  examples.trained = model.examples;
  const radio = $<HTMLInputElement>('model-trained');
  radio.disabled = false;
  $('trained-info').textContent = `(${model.summary})`;
  refresh();
}

function select(name: ModelName): void {
  selected = name;
  $('translation').textContent = '';
  $('heatmap').textContent = '';
  const list = examples[name];
  if (list.length) $<HTMLInputElement>('source').value = list[0]!;
  if (name === 'trained') $('status').textContent = 'the model trained on this page';
  else $('status').textContent = translators.shipped ? 'the shipped model' : 'loading the model…';
  refresh();
}

function setupPage(backendReady: Promise<string>): void {
  document.querySelectorAll<HTMLInputElement>('input[name="model"]').forEach((radio) => {
    radio.addEventListener('change', () => radio.checked && select(radio.value as ModelName));
  });
  // Cycles through example sentences of the selected model (a quick, main-thread action).
  let exampleIndex = 0;
  $('example').addEventListener('click', () => {
    const list = examples[selected];
    if (!list.length) return;
    const source = $<HTMLInputElement>('source');
    exampleIndex = (exampleIndex + 1) % list.length;
    if (list[exampleIndex] === source.value) exampleIndex = (exampleIndex + 1) % list.length;
    source.value = list[exampleIndex]!;
  });
  $('form').addEventListener('submit', (event) => {
    event.preventDefault();
    const translator = translators[selected];
    if (!translator || busy) return;
    const text = $<HTMLInputElement>('source').value;
    const which = selected;
    busy = true;
    refresh();
    $('status').textContent = 'translating…';
    const started = performance.now();
    translator
      .translate([text], { beamSize: 5, returnAttention: true, onWarning: (m) => ($('status').textContent = m) })
      .then(([t]) => {
        $('translation').textContent = t!.text;
        drawHeatmap(t!);
        $('status').textContent = `translated in ${Math.round(performance.now() - started)} ms with the ${which} model${t!.unknownWords.length ? `; unknown words: ${t!.unknownWords.join(', ')}` : ''}`;
      })
      .catch((error: unknown) => ($('status').textContent = `error: ${(error as Error).message}`))
      .finally(() => {
        busy = false;
        disposeRetired();
        refresh();
      });
  });
  setupTrainPanel({ ready: backendReady, onModel: useTrained });
}

async function main(): Promise<void> {
  const backendReady = startBackend();
  setupPage(backendReady);
  const backendName = await backendReady;
  $('backend').textContent = `backend: ${backendName} (${listBackends().map((b) => `${b.name}: ${b.state}${b.reason ? ` - ${b.reason}` : ''}`).join('; ')})`;
  const response = await fetch(modelUrl);
  if (!response.ok) throw new Error(`could not load the model (${response.status})`);
  const loaded = await decodeSeq2SeqModel(new Uint8Array(await response.arrayBuffer()), 'en-fr.safetensors');
  translators.shipped = new Translator(loaded);
  if (selected === 'shipped') $('status').textContent = `model ready (${loaded.model.parameterCount().toLocaleString()} parameters)`;
  refresh();
}

main().catch((error: unknown) => {
  $('status').textContent = `error: ${(error as Error).message}`;
});
