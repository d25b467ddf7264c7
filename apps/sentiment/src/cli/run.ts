import { SentimentEnsemble, SentimentError, type Prediction, type SentimentClassifier, type TokenInfluence } from '@cellstate/sentiment';
import { readLines } from '@cellstate/nn/node';
import { loadClassifier } from '@cellstate/sentiment/node';
import { DEFAULT_MODEL_DIR, modelPath, type Io } from './io.js';

export interface RunCommandOptions {
  model?: string;
  explain?: boolean;
  json?: boolean;
  verbose?: boolean;
}

/**
 * The model in `dir` (default: the shipped general model; a shipped model's name such as
 * `airline`, or a directory), or, for `a,b,c`, the ensemble of those models (mean
 * probabilities). A failed load disposes what was already loaded.
 */
export async function openModel(dir: string | undefined): Promise<SentimentClassifier | SentimentEnsemble> {
  const dirs = dir === undefined ? [] : modelDirs(dir);
  if (dirs.length <= 1) return loadClassifier(dirs[0] ? modelPath(dirs[0]) : DEFAULT_MODEL_DIR);
  const members: SentimentClassifier[] = [];
  try {
    for (const d of dirs) members.push(await loadClassifier(modelPath(d)));
    return new SentimentEnsemble(members);
  } catch (e) {
    for (const m of members) m.dispose();
    throw e;
  }
}

/**
 * The directories of a `--model` value (`a` or `a,b,c`). Empty entries (",,,", "a,,b")
 * are refused: silently falling back to the shipped model would evaluate the wrong one.
 */
export function modelDirs(spec: string): string[] {
  const dirs = spec.split(',').map((d) => d.trim());
  if (dirs.some((d) => d === '')) throw new SentimentError('invalid-argument', `--model ${JSON.stringify(spec)}: give a model directory, or several separated by single commas`);
  return dirs;
}

/** The JSON line written for one text in stdin mode. */
export interface RunLine {
  label: string | null;
  probabilities: Record<string, number> | null;
  error?: string;
  warnings?: string[];
  influences?: { token: string; weight: number }[];
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * `run "text"`: prints the label and probabilities (and, with --explain, the words that
 * pushed the decision). Without text: one JSON object per stdin line, in order; an
 * empty line gives `{"label": null, "probabilities": null, "error": ...}` so no input is
 * lost. Returns the exit code.
 */
export async function runCommand(texts: string[], o: RunCommandOptions, io: Io): Promise<number> {
  const clf = await openModel(o.model);
  try {
    if (texts.length > 0) {
      const text = texts.join(' ');
      if (!text.trim()) {
        io.err('error: the text is empty; give some words to classify, e.g. sentiment run "the flight was late again"\n');
        return 2;
      }
      const r: Prediction & { influences?: TokenInfluence[] } = o.explain ? await clf.explain(text) : (await clf.predict([text]))[0]!;
      for (const w of r.warnings) io.err(`warning: ${w}\n`);
      if (o.json) {
        const line: RunLine = { label: r.label, probabilities: roundAll(r.probabilities) };
        if (r.influences) line.influences = r.influences.map((i) => ({ token: i.token, weight: round(i.weight) }));
        io.out(`${JSON.stringify(line)}\n`);
        return 0;
      }
      io.out(`${r.label}\n`);
      for (const [label, p] of Object.entries(r.probabilities)) io.out(`  ${label.padEnd(10)} ${pct(p).padStart(6)}  ${'#'.repeat(Math.round(p * 40))}\n`);
      if (o.verbose) io.out(`tokens: ${r.tokens.join(' ')}\n`);
      if (r.influences) {
        io.out(`words that pushed the decision (change of p(${r.label}) when the word is dropped):\n`);
        const sorted = [...r.influences].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
        for (const i of sorted) io.out(`  ${i.token.padEnd(16)} ${i.weight >= 0 ? '+' : ''}${(100 * i.weight).toFixed(1)} points ${i.weight >= 0 ? `towards ${r.label}` : `away from ${r.label}`}\n`);
      }
      return 0;
    }
    const lines = io.stdinLines ? io.stdinLines() : readLines(process.stdin);
    let n = 0;
    const pending: { line: number; text: string }[] = [];
    const flush = async () => {
      if (!pending.length) return;
      const batch = pending.splice(0);
      const nonEmpty = batch.filter((b) => b.text.trim());
      const preds: (Prediction & { influences?: TokenInfluence[] })[] = o.explain ? await Promise.all(nonEmpty.map((b) => clf.explain(b.text))) : await clf.predict(nonEmpty.map((b) => b.text));
      let k = 0;
      for (const b of batch) {
        if (!b.text.trim()) {
          io.out(`${JSON.stringify({ label: null, probabilities: null, error: `line ${b.line}: empty text` } satisfies RunLine)}\n`);
          continue;
        }
        const r = preds[k++]!;
        const out: RunLine = { label: r.label, probabilities: roundAll(r.probabilities) };
        if (r.warnings.length) out.warnings = r.warnings;
        if (r.influences) out.influences = r.influences.map((i) => ({ token: i.token, weight: round(i.weight) }));
        io.out(`${JSON.stringify(out)}\n`);
      }
    };
    for await (const raw of lines) {
      n++;
      pending.push({ line: n, text: raw.replace(/\r$/, '') });
      if (pending.length >= 64) await flush();
    }
    await flush();
    if (o.verbose) io.err(`classified ${n} lines\n`);
    return 0;
  } finally {
    clf.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function roundAll(p: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, round(v)]));
}
