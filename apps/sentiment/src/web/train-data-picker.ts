/**
 * The Train view's data section: the built-in demo set or a labelled file (read within
 * a size budget, parsed with the chosen columns), with a summary and the first problems
 * found in the file.
 */
import type { LabeledText } from '@cellstate/sentiment';
import { parseDataset, type Problem } from '../dataset.js';
import { DEMO_LABELS, demoDataset } from './demo-data.js';
import { labelsOf } from './prepare.js';
import { readTrainingFile } from './web-file.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export interface LoadedData {
  name: string;
  examples: LabeledText[];
  labels: string[];
  problems: Problem[];
}

export function countLabels(examples: readonly LabeledText[], labels: readonly string[]): string {
  return labels.map((l) => `${l} ${examples.filter((e) => e.label === l).length}`).join(', ');
}

/**
 * Wires up the section; `onChange` runs whenever the chosen data changes. Returns
 * `selected` (the chosen data, undefined while the file choice has no usable file) and
 * `show`, which draws the summary (call it once the page is wired up).
 */
export function setupDataPicker(onChange: () => void): { selected: () => LoadedData | undefined; show: () => void } {
  const summaryEl = $('train-data-summary');
  const problemsEl = $('train-data-problems');
  const fileInput = $<HTMLInputElement>('train-file');
  const demoRadio = $<HTMLInputElement>('train-source-demo');
  const fileRadio = $<HTMLInputElement>('train-source-file');
  const demo: LoadedData = { name: 'demo data', examples: demoDataset(), labels: [...DEMO_LABELS], problems: [] };
  $('demo-summary').textContent = `${demo.examples.length} short airline sentences such as “${demo.examples[0]!.text}” (${countLabels(demo.examples, demo.labels)})`;
  let fileData: LoadedData | undefined;
  let fileError = '';
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
    onChange();
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
  return { selected, show: showData };
}
