/**
 * The CLI commands, in-process on a tiny model trained here, plus one real process
 * for stdin/exit codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { BackendUnavailableError, setBackend } from '@cellstate/tensor';
import { loadClassifier } from '@cellstate/sentiment/node';
import { selectBackend } from './cli/backend.js';
import { evalCommand } from './cli/eval.js';
import { DEFAULT_MODEL_DIR, modelPath, type Io } from './cli/io.js';
import { runCommand } from './cli/run.js';
import { trainCommand } from './cli/train.js';
import { buildProgram } from './cli/program.js';
import { vectorsCommand } from './cli/vectors.js';

const dir = mkdtempSync(join(tmpdir(), 'sentiment-cli-'));
const modelDir = join(dir, 'model');
const APP = fileURLToPath(new URL('..', import.meta.url));

function capture(stdin?: string[]): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    ...(stdin ? { stdinLines: async function* () { yield* stdin; } } : {}),
  };
  return io;
}

function sentences(n: number, seed: number): { text: string; label: string }[] {
  const pos = ['great', 'lovely', 'nice'];
  const neg = ['awful', 'late', 'rude'];
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = (i * 7 + seed) % 10;
    if (k < 2) out.push({ text: `flight ${i % 5} boarding at gate`, label: 'neutral' });
    else if (k < 6) out.push({ text: `the crew was ${pos[i % 3]} today`, label: 'positive' });
    else out.push({ text: `the flight was ${neg[i % 3]} again`, label: 'negative' });
  }
  return out;
}

describe('sentiment CLI', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n');
    writeFileSync(join(dir, 'train.jsonl'), `${jsonl(sentences(240, 1))}\n{"text": "broken\n{"text": "typo label", "label": "postive"}\n`);
    writeFileSync(join(dir, 'valid.jsonl'), jsonl(sentences(60, 2)));
    writeFileSync(join(dir, 'test.csv'), `text,label\n${sentences(30, 3).map((s) => `"${s.text}",${s.label}`).join('\n')}\n`);
  });

  it('train: reports malformed lines and unknown labels as file:line, trains, saves, reports', async () => {
    const io = capture();
    await trainCommand(
      { train: join(dir, 'train.jsonl'), valid: join(dir, 'valid.jsonl'), test: join(dir, 'test.csv'), out: modelDir, epochs: 4, embeddingDim: 12, hiddenSize: 12, minFrequency: 1, lr: 0.01, batchSize: 16, baseline: true, checkpointDir: join(dir, 'ckpt') },
      io,
    );
    expect(io.stderr).toContain(`skipped: ${join(dir, 'train.jsonl')}:241: not valid JSON`);
    expect(io.stderr).toMatch(new RegExp(`skipped: .*train\\.jsonl:242: unknown label "postive" \\(the labels are "negative", "neutral", "positive"`));
    expect(io.stderr).toMatch(/train\.jsonl: 240 examples, 2 skipped/);
    expect(io.stderr).toMatch(/epoch 1: train loss/);
    expect(io.stdout).toMatch(/LSTM test: 30 examples/);
    expect(io.stdout).toMatch(/bag-of-words test/);
    expect(io.stdout).toContain('| true \\ predicted | negative |  neutral | positive |');
  });

  it('train --train repeated adds files, as commas do (commander alone would keep the last)', async () => {
    const train = buildProgram().commands.find((c) => c.name() === 'train')!;
    train.action(() => {});
    await train.parseAsync(['--train', 'a.jsonl', '--train', 'sst-phrases:t.txt,b.jsonl', '--out', join(dir, 'never')], { from: 'user' });
    expect(train.opts().train).toBe('a.jsonl,sst-phrases:t.txt,b.jsonl');
  });

  it('train --on-error fail stops at the first bad line', async () => {
    await expect(trainCommand({ train: join(dir, 'train.jsonl'), valid: join(dir, 'valid.jsonl'), out: join(dir, 'x'), onError: 'fail', epochs: 1 }, capture())).rejects.toThrow(/train\.jsonl:241: not valid JSON/);
  });

  it('vectors writes the learned word vectors; train --vectors seeds a new model with them', async () => {
    const io = capture();
    const file = join(dir, 'vectors.txt');
    expect(await vectorsCommand({ model: modelDir, out: file }, io)).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(io.stdout).toContain(`${lines.length} word vectors of 12 dimensions written to ${file}`);
    expect(lines.find((l) => l.startsWith('crew '))!.split(' ')).toHaveLength(13);
    const again = capture();
    await trainCommand({ train: join(dir, 'valid.jsonl'), valid: join(dir, 'valid.jsonl'), out: join(dir, 'seeded'), epochs: 1, embeddingDim: 12, hiddenSize: 4, minFrequency: 1, vectors: file }, again);
    // valid.jsonl uses the training sentences' words: every one has a vector.
    expect(again.stderr).toMatch(/pretrained vectors: (\d+) of \1 vocabulary words matched \(100\.0%/);
  });

  it('train --init-from fine-tunes a trained model: its architecture, words, LSTM and output layer carry over', async () => {
    const io = capture();
    // valid.jsonl holds the training sentences' words: the source model already classifies
    // it, so fine-tuning starts where the source left off instead of from chance.
    await trainCommand({ train: join(dir, 'valid.jsonl'), valid: join(dir, 'valid.jsonl'), out: join(dir, 'tuned'), epochs: 1, lr: 1e-6, minFrequency: 1, initFrom: modelDir }, io);
    expect(io.stderr).toMatch(/initialised from .*model: (\d+) of \1 word vectors \(100\.0%\), 8 LSTM tensors, output layer copied/);
    const tuned = JSON.parse(readFileSync(join(dir, 'tuned', 'sentiment.json'), 'utf8'));
    const source = JSON.parse(readFileSync(join(modelDir, 'sentiment.json'), 'utf8'));
    expect(tuned.model.hiddenSize).toBe(12);
    expect(tuned.info.initFrom.classifierCopied).toBe(true);
    // With a learning rate of 1e-6, one epoch leaves the source's accuracy on the same texts.
    const acc = (r: string) => Number(/LSTM valid: \d+ examples.*?accuracy ([\d.]+)/s.exec(r)![1]);
    const base = capture();
    await evalCommand({ data: join(dir, 'valid.jsonl'), model: modelDir }, base);
    expect(acc(io.stdout)).toBeCloseTo(Number(/accuracy\s+([\d.]+)/.exec(base.stdout)![1]), 2);
    expect(source.model.hiddenSize).toBe(12);
    await expect(trainCommand({ train: join(dir, 'valid.jsonl'), valid: join(dir, 'valid.jsonl'), out: join(dir, 'bad'), epochs: 1, hiddenSize: 5, initFrom: modelDir }, capture())).rejects.toThrow(/differ in hiddenSize: the source has 12, the target 5/);
  });

  it('--model a,b: run and eval use the ensemble of the models (mean probabilities)', async () => {
    const tuned = join(dir, 'tuned'); // from the --init-from test
    const one = async (model: string) => {
      const io = capture();
      expect(await runCommand(['the crew was rude today'], { model, json: true }, io)).toBe(0);
      return JSON.parse(io.stdout).probabilities as Record<string, number>;
    };
    const [a, b, both] = [await one(modelDir), await one(tuned), await one(`${modelDir},${tuned}`)];
    for (const l of Object.keys(a)) expect(both[l]).toBeCloseTo((a[l]! + b[l]!) / 2, 5);
    const io = capture();
    expect(await evalCommand({ data: join(dir, 'test.csv'), model: `${modelDir},${tuned}` }, io)).toBe(0);
    expect(io.stdout).toMatch(/LSTM ensemble of 2 on .*test\.csv: 30 examples/);
    await expect(runCommand(['x'], { model: `${modelDir},${join(dir, 'nowhere')}` }, capture())).rejects.toThrow(/no model at .*nowhere/);
  });

  it('run "text": label and probabilities; --explain lists the words', async () => {
    const io = capture();
    expect(await runCommand(['the crew was great today'], { model: modelDir }, io)).toBe(0);
    expect(io.stdout).toMatch(/^positive\n/);
    expect(io.stdout).toMatch(/negative\s+\d+\.\d%/);
    const ex = capture();
    await runCommand(['the flight was awful again'], { model: modelDir, explain: true }, ex);
    expect(ex.stdout).toMatch(/words that pushed the decision/);
    expect(ex.stdout).toMatch(/awful\s+[+-]\d+\.\d points/);
  });

  it('run with bad input: empty text, emoji only, 100,000 characters', async () => {
    const empty = capture();
    expect(await runCommand(['  '], { model: modelDir }, empty)).toBe(2);
    expect(empty.stderr).toMatch(/the text is empty/);
    const emoji = capture();
    expect(await runCommand(['😡😡'], { model: modelDir, json: true }, emoji)).toBe(0);
    expect(Object.keys(JSON.parse(emoji.stdout).probabilities)).toEqual(['negative', 'neutral', 'positive']);
    const long = capture();
    expect(await runCommand(['great '.repeat(16_667)], { model: modelDir }, long)).toBe(0);
    expect(long.stderr).toMatch(/warning: text truncated/);
  });

  it('run without text: one JSON line per input line, none lost', async () => {
    const lines = ['the crew was lovely today', '', '🙂', 'the flight was late again', 'x'.repeat(100_000)];
    const io = capture(lines);
    expect(await runCommand([], { model: modelDir }, io)).toBe(0);
    const out = io.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(lines.length);
    expect(out[0]).toMatchObject({ label: 'positive' });
    expect(Object.keys(out[0].probabilities)).toEqual(['negative', 'neutral', 'positive']);
    expect(out[1]).toEqual({ label: null, probabilities: null, error: 'line 2: empty text' });
    expect(out[3].label).toBe('negative');
    expect(out[4].warnings.join()).toMatch(/truncated/);
  });

  it('eval: metrics and the confusion matrix; unknown labels reported', async () => {
    writeFileSync(join(dir, 'eval.jsonl'), `${sentences(20, 5).map((s) => JSON.stringify(s)).join('\n')}\n{"text": "hm", "label": "mixed"}\n`);
    const io = capture();
    expect(await evalCommand({ data: join(dir, 'eval.jsonl'), model: modelDir, json: join(dir, 'report.json') }, io)).toBe(0);
    expect(io.stdout).toMatch(/accuracy \d\.\d{4}\s+macro-F1 \d\.\d{4}/);
    expect(io.stdout).toMatch(/negative\s+\d\.\d{4}\s+\d\.\d{4}\s+\d\.\d{4}\s+\d+/);
    expect(io.stdout).toContain('true \\ predicted');
    expect(io.stderr).toMatch(/eval\.jsonl:21: unknown label "mixed"/);
  });

  it('eval --binary (= --labels negative,positive): a 3-class model on binary data takes the more probable of the two labels', async () => {
    const data = sentences(40, 7).filter((s) => s.label !== 'neutral');
    writeFileSync(join(dir, 'binary.tsv'), `sentence\tlabel\n${data.map((s) => `${s.text}\t${s.label === 'positive' ? 1 : 0}`).join('\n')}\n`);
    const opts = { data: join(dir, 'binary.tsv'), model: modelDir, textColumn: 'sentence', labelMap: '0=negative,1=positive' };
    // The expected figures, from the model's probabilities: argmax over p(negative), p(positive).
    const clf = await loadClassifier(modelDir);
    const preds = await clf.predict(data.map((d) => d.text));
    clf.dispose();
    const predicted = preds.map((p) => (p.probabilities.positive! > p.probabilities.negative! ? 'positive' : 'negative'));
    const correct = predicted.filter((p, i) => p === data[i]!.label).length;
    const io = capture();
    expect(await evalCommand({ ...opts, binary: true, json: join(dir, 'binary.json') }, io)).toBe(0);
    expect(io.stdout).toContain('(labels restricted to negative / positive: the most probable of these)');
    expect(io.stdout).toContain('| true \\ predicted | negative | positive |');
    const report = JSON.parse(readFileSync(join(dir, 'binary.json'), 'utf8'));
    expect(report.labels).toEqual(['negative', 'positive']);
    expect(report.lstm.count).toBe(data.length);
    expect(report.lstm.accuracy).toBeCloseTo(correct / data.length, 10);
    const tp = predicted.filter((p, i) => p === 'positive' && data[i]!.label === 'positive').length;
    expect(report.lstm.confusion[1][1]).toBe(tp);
    // --labels naming the same subset is the same evaluation; labels the model lacks, or --binary with other labels, are refused.
    const same = capture();
    expect(await evalCommand({ ...opts, labels: 'negative,positive' }, same)).toBe(0);
    expect(same.stdout).toBe(io.stdout);
    const bad = capture();
    expect(await evalCommand({ ...opts, labels: 'negative,mixed' }, bad)).toBe(2);
    expect(bad.stderr).toMatch(/--labels negative,mixed are not the model's labels negative,neutral,positive nor two or more of them/);
    const clash = capture();
    expect(await evalCommand({ ...opts, binary: true, labels: 'negative,neutral' }, clash)).toBe(2);
    expect(clash.stderr).toMatch(/--binary means --labels negative,positive/);
  });

  it('--model takes a shipped model by name (general is the default, airline the airline-tweet model); a directory of that name wins', async () => {
    expect(DEFAULT_MODEL_DIR).toBe(join(APP, 'models', 'general'));
    expect(modelPath('general')).toBe(DEFAULT_MODEL_DIR);
    expect(modelPath('airline')).toBe(join(APP, 'models', 'airline'));
    expect(modelPath(modelDir)).toBe(modelDir);
    const here = process.env.SENTIMENT_CWD;
    process.env.SENTIMENT_CWD = dir;
    try {
      expect(modelPath('model')).toBe(modelDir); // a model directory where the user is
      expect(modelPath('nope')).toBe(join(dir, 'nope')); // neither: the path (and later "no model at ...")
    } finally {
      if (here === undefined) delete process.env.SENTIMENT_CWD;
      else process.env.SENTIMENT_CWD = here;
    }
    // The negation the airline model calls negative (97%): the default (general) model does not.
    const general = capture();
    expect(await runCommand(['Not bad at all.'], { json: true }, general)).toBe(0);
    const g = JSON.parse(general.stdout);
    expect(g.label).toBe('neutral');
    expect(g.probabilities.negative).toBeLessThan(0.3);
    const airline = capture();
    expect(await runCommand(['Not bad at all.'], { json: true, model: 'airline' }, airline)).toBe(0);
    const a = JSON.parse(airline.stdout);
    expect(a.label).toBe('negative');
    expect(a.probabilities.negative).toBeGreaterThan(0.9);
  });

  it('--threads sets the CPU backend\'s thread count (CELLSTATE_CPU_THREADS, read when the backend is created)', async () => {
    const saved = process.env.CELLSTATE_CPU_THREADS;
    try {
      await selectBackend('cpu', 1);
      expect(process.env.CELLSTATE_CPU_THREADS).toBe('1');
    } finally {
      if (saved === undefined) delete process.env.CELLSTATE_CPU_THREADS;
      else process.env.CELLSTATE_CPU_THREADS = saved;
    }
  });

  it('--backend: an unknown name is a BackendUnavailableError listing the backends', async () => {
    await expect(selectBackend('tpu')).rejects.toThrow(BackendUnavailableError);
    await expect(selectBackend('tpu')).rejects.toThrow(/backend 'tpu' is not available \(choose 'cpu' or 'webgpu'\)/);
  });

  it('a real process: stdin with bytes that are not UTF-8, and a clear error for a missing model', () => {
    const input = Buffer.concat([Buffer.from('the crew was great today\n'), Buffer.from([0xc3, 0x28, 0x66, 0x6c, 0x69, 0x67, 0x68, 0x74, 0x0a]), Buffer.from('\n')]);
    const run = (args: string[], stdin?: Buffer) =>
      spawnSync(process.execPath, ['--conditions=@cellstate/source', '--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: APP, input: stdin, encoding: 'utf8', timeout: 60_000 });
    const r = run(['run', '--model', modelDir], input);
    expect(r.status).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(3);
    expect(out[1].label).not.toBeNull();
    expect(out[2]).toMatchObject({ label: null, error: 'line 3: empty text' });
    const missing = run(['run', '--model', join(dir, 'nope'), 'hello']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/error: no model at .*nope \(sentiment\.json not found\)/);
  });
});
