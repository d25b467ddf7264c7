/**
 * The translation page: loads the shipped model, translates in the browser (WebGPU
 * when the backend package and a GPU are there, else the CPU backend) and draws the
 * attention of each French word over the English words.
 */
import '@cellstate/backend-cpu';
import { listBackends, ready, registerBackend, markUnavailable } from '@cellstate/tensor';
import { decodeSeq2SeqModel } from '@cellstate/seq2seq';
import { Translator, type Translation } from '../translator.js';
import modelUrl from '../../models/en-fr.safetensors?url';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function chooseBackend(): Promise<string> {
  if ('gpu' in navigator) {
    try {
      // Registers 'webgpu' (priority 3); its factory returns null without an adapter.
      await import('@cellstate/backend-webgpu');
    } catch (error) {
      registerBackend('webgpu', () => null, { priority: 3, autoSelect: false });
      markUnavailable('webgpu', `backend package not available: ${(error as Error).message}`);
    }
  }
  const backend = await ready();
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

async function main(): Promise<void> {
  const backendName = await chooseBackend();
  $('backend').textContent = `backend: ${backendName} (${listBackends().map((b) => `${b.name}: ${b.state}${b.reason ? ` - ${b.reason}` : ''}`).join('; ')})`;
  const response = await fetch(modelUrl);
  if (!response.ok) throw new Error(`could not load the model (${response.status})`);
  const loaded = await decodeSeq2SeqModel(new Uint8Array(await response.arrayBuffer()), 'en-fr.safetensors');
  const translator = new Translator(loaded);
  $('status').textContent = `model ready (${loaded.model.parameterCount().toLocaleString()} parameters)`;
  const button = $<HTMLButtonElement>('translate');
  button.disabled = false;
  $('form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $<HTMLInputElement>('source').value;
    button.disabled = true;
    $('status').textContent = 'translating…';
    const started = performance.now();
    translator
      .translate([text], { beamSize: 5, returnAttention: true, onWarning: (m) => ($('status').textContent = m) })
      .then(([t]) => {
        $('translation').textContent = t!.text;
        drawHeatmap(t!);
        $('status').textContent = `translated in ${Math.round(performance.now() - started)} ms${t!.unknownWords.length ? `; unknown words: ${t!.unknownWords.join(', ')}` : ''}`;
      })
      .catch((error: unknown) => ($('status').textContent = `error: ${(error as Error).message}`))
      .finally(() => (button.disabled = false));
  });
}

main().catch((error: unknown) => {
  $('status').textContent = `error: ${(error as Error).message}`;
});
