/**
 * Careless commands and hostile model files for the sentiment CLI: refused before any
 * work, with typed messages and a non-zero exit; nothing earlier is overwritten.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { parseSafetensors, serializeSafetensors } from '@cellstate/nn';
import { SentimentClassifier, buildVocabulary } from '@cellstate/sentiment';
import { MODEL_JSON, MODEL_WEIGHTS, saveClassifier } from '@cellstate/sentiment/node';
import { setBackend } from '@cellstate/tensor';
import type { Io } from './cli/io.js';
import { trainCommand } from './cli/train.js';

const dir = mkdtempSync(join(tmpdir(), 'sentiment-hostile-'));
const APP = fileURLToPath(new URL('..', import.meta.url));
const modelDir = join(dir, 'model');
const nanDir = join(dir, 'nan');

function cli(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@cellstate/source', '--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: APP, env: { ...process.env, SENTIMENT_CWD: dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const quiet = (): Io => ({ out: () => {}, err: () => {} });
const rows = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ text: i % 2 ? 'the crew was great' : 'the flight was late', label: i % 2 ? 'positive' : 'negative' })).join('\n');

async function rejection(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(Error);
  return e as Error;
}

describe('sentiment CLI: careless commands and hostile files', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    writeFileSync(join(dir, 'train.jsonl'), rows(20));
    writeFileSync(join(dir, 'empty.jsonl'), Array.from({ length: 6 }, (_, i) => JSON.stringify({ text: i % 2 ? '' : ' ... ', label: i % 2 ? 'positive' : 'negative' })).join('\n'));
    const clf = SentimentClassifier.create({ vocabulary: buildVocabulary(['the flight was late', 'the crew was great'], { minFrequency: 1 }), labels: ['negative', 'positive'], model: { embeddingDim: 4, hiddenSize: 3 } });
    await saveClassifier(modelDir, clf);
    mkdirSync(nanDir);
    writeFileSync(join(nanDir, MODEL_JSON), readFileSync(join(modelDir, MODEL_JSON)));
    const { tensors, metadata } = parseSafetensors(readFileSync(join(modelDir, MODEL_WEIGHTS)));
    const poisoned = new Map([...tensors].map(([n, t]) => [n, { dtype: 'F32' as const, shape: t.shape, data: n === 'classifier.weight' ? new Float32Array(t.data.length).fill(Number.NaN) : (t.data as Float32Array) }]));
    writeFileSync(join(nanDir, MODEL_WEIGHTS), serializeSafetensors(poisoned, metadata));
    clf.dispose();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a model already in --out, or a checkpoint in --checkpoint-dir, is not silently replaced', async () => {
    const before = readFileSync(join(modelDir, MODEL_WEIGHTS));
    const base = { train: join(dir, 'train.jsonl'), validFraction: 0.25, epochs: 1, minFrequency: 1, embeddingDim: 4, hiddenSize: 3 };
    expect((await rejection(trainCommand({ ...base, out: modelDir }, quiet()))).message).toMatch(/already holds a model \(sentiment\.json, model\.safetensors\); pass --overwrite/);
    expect(readFileSync(join(modelDir, MODEL_WEIGHTS)).equals(before)).toBe(true);
    const ckpt = join(dir, 'ckpt');
    mkdirSync(ckpt, { recursive: true });
    writeFileSync(join(ckpt, 'last.safetensors'), 'an earlier run');
    expect((await rejection(trainCommand({ ...base, out: join(dir, 'new'), checkpointDir: ckpt }, quiet()))).message).toMatch(/holds the checkpoint of an earlier run; pass --resume/);
    expect(readFileSync(join(ckpt, 'last.safetensors'), 'utf8')).toBe('an earlier run');
    expect((await rejection(trainCommand({ ...base, out: '/proc/x' }, quiet()))).message).toMatch(/special filesystem/);
  });

  it('texts with no words are refused instead of training a model that knows none', async () => {
    const e = await rejection(trainCommand({ train: join(dir, 'empty.jsonl'), validFraction: 0.3, out: join(dir, 'empty-model'), minFrequency: 1, epochs: 1 }, quiet()));
    expect(e.name).toBe('DataError');
    expect(e.message).toMatch(/empty\.jsonl: no words left in the training texts/);
  });

  it('run and eval refuse a NaN model (exit 2, tensor and file named); --model ",,," is refused; a lone \\r stays in its line', async () => {
    writeFileSync(join(dir, 'eval.jsonl'), rows(4));
    const [run, ev, commas, stdin] = await Promise.all([
      cli(['run', '--model', nanDir, 'the flight was late']),
      cli(['eval', '--model', nanDir, '--data', join(dir, 'eval.jsonl')]),
      cli(['run', '--model', ',,,', 'the flight was late']),
      cli(['run', '--model', modelDir], 'late\rflight\ngreat crew\r\n'),
    ]);
    for (const r of [run, ev]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/'classifier\.weight' holds NaN/);
      expect(r.stderr).toContain(`(in ${join(nanDir, MODEL_WEIGHTS)})`);
      expect(r.stdout).not.toMatch(/NaN/);
    }
    expect(commas.code).not.toBe(0);
    expect(commas.stderr).toMatch(/--model ",,,": give a model directory/);
    expect(stdin.code, stdin.stderr).toBe(0);
    expect(stdin.stdout.trim().split('\n')).toHaveLength(2);
  });
});
