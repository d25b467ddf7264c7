/**
 * Careless commands and hostile files: each ends in a typed error or a warning,
 * quickly, with a non-zero exit where the result would be wrong, and loses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NonFiniteLossError } from '@cellstate/nn';
import { encodeSeq2SeqModel, Seq2Seq } from '@cellstate/seq2seq';
import { tensor } from '@cellstate/tensor';
import { EOS_ID, Vocabulary } from '@cellstate/text';
import { selectBackend } from './cli/backend.js';
import { readTsv } from './cli/data.js';
import { tokensOf } from './preprocess.js';
import { writeTinyCorpus } from './test-data.js';
import { train } from './cli/train.js';
import type { TrainOptions } from './cli/train-options.js';
import { Translator } from './translator.js';

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));
const corpus = writeTinyCorpus(40);
const modelFile = join(corpus.dir, 'tiny.safetensors');
const nanModelFile = join(corpus.dir, 'nan.safetensors');
const pre = { sourceLanguage: 'en', targetLanguage: 'fr', lowercase: true, tokenizer: 'words' as const, maxSourceLength: 12, maxTargetLength: 12 };

/** Runs the CLI (asynchronously, so several run side by side). */
function cli(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@cellstate/source', '--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: appDir, env: { ...process.env, INIT_CWD: appDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(input);
  });
}

/** No JavaScript stack trace in the output: the user gets a message, not a crash. */
function expectNoStack(stderr: string) {
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

function options(out: string, over: Partial<TrainOptions> = {}): TrainOptions {
  return {
    data: corpus.train, valid: corpus.valid, out, resume: false, embeddingSize: 8, hiddenSize: 8, numLayers: 1, bidirectional: false, attention: 'dot', dropout: 0,
    tieEmbeddings: true, reverseSource: false, sourceVocabSize: 100, targetVocabSize: 100, minFrequency: 1, maxLength: 12, batchSize: 8, learningRate: 0.01,
    epochs: 1, checkpointEvery: 2, seed: 4, teacherForcing: 1, clipNorm: 1, labelSmoothing: 0, shortlist: 0, validSize: 4, f16: false, ...over,
  };
}
const quiet = { log: () => {}, progress: false };

describe('translate: hostile input and careless commands', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    const pairs = readTsv(corpus.train);
    const sourceVocabulary = Vocabulary.build(pairs.map((p) => tokensOf(p.source, pre)));
    const targetVocabulary = Vocabulary.build(pairs.map((p) => tokensOf(p.target, pre)));
    const model = new Seq2Seq({ sourceVocabSize: sourceVocabulary.size, targetVocabSize: targetVocabulary.size, embeddingSize: 8, hiddenSize: 8, attention: 'dot', tieEmbeddings: true, seed: 2 });
    const bias = new Float32Array(targetVocabulary.size);
    bias[EOS_ID] = -30;
    model.loadStateDict({ 'decoder.output_bias': tensor(bias, [bias.length]) }, { strict: false });
    writeFileSync(modelFile, await encodeSeq2SeqModel({ model, sourceVocabulary, targetVocabulary, preprocessing: pre }));
    bias[1] = Number.NaN;
    model.loadStateDict({ 'decoder.output_bias': tensor(bias, [bias.length]) }, { strict: false });
    writeFileSync(nanModelFile, await encodeSeq2SeqModel({ model, sourceVocabulary, targetVocabulary, preprocessing: pre }, { allowNonFinite: true }));
    model.dispose();
  });
  afterAll(() => rmSync(corpus.dir, { recursive: true, force: true }));

  it('option values out of bounds are refused by name, without a stack, before any work', async () => {
    const cases: [string[], RegExp][] = [
      [['run', '-m', modelFile, '-b', '2.5', 'hi'], /option '-b, --beam <size>' argument '2\.5' is invalid/],
      [['run', '-m', modelFile, '-b', '0', 'hi'], /--beam .*argument '0' is invalid.*from 1 to 64/],
      [['run', '-m', modelFile, '-b', '2000', 'hi'], /--beam .*argument '2000' is invalid/],
      [['run', '-m', modelFile, '--max-input', '0', 'hi'], /--max-input .*argument '0' is invalid/],
      [['eval', '-m', modelFile, '--limit', '-3'], /--limit .*argument '-3' is invalid/],
      [['run', '-m', ',,,', 'hi'], /--model .*argument ',,,' is invalid/],
      [['train', '--lr', '-1', '--out', join(corpus.dir, 'never')], /--lr .*argument '-1' is invalid/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    results.forEach((r, i) => {
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(cases[i]![1]);
      expectNoStack(r.stderr);
    });
    expect(existsSync(join(corpus.dir, 'never'))).toBe(false);
  });

  it('the Translator API refuses the same beams with a typed error', async () => {
    const t = new Translator({ model: {} } as never);
    await expect(t.translate(['hi'], { beamSize: 2.5 })).rejects.toThrow(/beamSize must be an integer from 1 to 64, got 2\.5/);
    expect(() => new Translator({ model: {} } as never, { maxInputTokens: 0 })).toThrow(/maxInputTokens must be a positive integer/);
  });

  it('NaN weights: run and eval refuse the model with the tensor and the file, exit 1', async () => {
    const [run, ev] = await Promise.all([cli(['run', '-m', nanModelFile, 'I see a cat.']), cli(['eval', '-m', nanModelFile, '--data', corpus.valid, '-b', '1'])]);
    for (const r of [run, ev]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("tensor 'decoder.output_bias' holds NaN");
      expect(r.stderr).toContain(nanModelFile);
      expect(r.stdout).not.toMatch(/NaN/);
      expectNoStack(r.stderr);
    }
  });

  it('stdin: a lone \\r stays inside its line (one output line per input line), CRLF works', async () => {
    const r = await cli(['run', '-m', modelFile, '-b', '1'], 'I see\ra cat.\nthe dog\r\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toHaveLength(3);
  });

  it('an unwritable --out (/proc/x, below a file) is refused at once; train does not hang', async () => {
    writeFileSync(join(corpus.dir, 'a-file'), 'x');
    const [proc, below] = await Promise.all([
      cli(['train', '--data', corpus.train, '--valid', corpus.valid, '--out', '/proc/x']),
      cli(['train', '--data', corpus.train, '--valid', corpus.valid, '--out', join(corpus.dir, 'a-file', 'run')]),
    ]);
    expect(proc.code).toBe(1);
    expect(proc.stderr).toMatch(/cannot write into \/proc\/x: \/proc is a special filesystem/);
    expect(below.code).toBe(1);
    expect(below.stderr).toContain(join(corpus.dir, 'a-file', 'run'));
    for (const r of [proc, below]) {
      expectNoStack(r.stderr);
      expect(r.ms).toBeLessThan(15_000); // tsx start-up included; the check itself is instant
    }
    await expect(train(options(join(corpus.dir, 'x'), { export: '/proc/self/model.safetensors' }), quiet)).rejects.toThrow(/special filesystem/);
  });

  it('SIGTERM ends train promptly: at once before the step loop, after a checkpoint within it', async () => {
    const out = join(corpus.dir, 'signal');
    const child = spawn(process.execPath, ['--conditions=@cellstate/source', '--import', 'tsx', 'src/cli/main.ts', 'train', '--data', corpus.train, '--valid', corpus.valid, '--out', out, '--embedding', '8', '--hidden', '8', '--epochs', '1000', '--batch-size', '4', '--min-freq', '1'], { cwd: appDir, env: { ...process.env, INIT_CWD: appDir } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      if (stdout.includes('translate train')) resolve();
    }));
    const sent = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(stderr).toMatch(/SIGTERM: (quitting|stopping after this step)/);
    if (code !== 143) {
      expect(code).toBe(0);
      expect(stdout).toMatch(/stopping at step \d+ \(signal\); checkpoint saved/);
    }
  });

  it('a second train into an existing run is refused unless --resume or --overwrite; the checkpoint is kept', async () => {
    const out = join(corpus.dir, 'run');
    await train(options(out, { stopAfterStep: 4 }), quiet);
    const before = readFileSync(join(out, 'checkpoint.safetensors'));
    const again = await cli(['train', '--data', corpus.train, '--valid', corpus.valid, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a run \(run\.json, checkpoint\.safetensors\); pass --resume .* --overwrite/);
    expectNoStack(again.stderr);
    expect(readFileSync(join(out, 'checkpoint.safetensors')).equals(before)).toBe(true);
    await expect(train(options(out, { resume: true, overwrite: true }), quiet)).rejects.toThrow(/exclude each other/);
    const fresh = await train(options(out, { overwrite: true, maxSteps: 2 }), quiet);
    expect(fresh.steps).toBe(2);
  });

  it('--resume alone continues a run with the options it was started with; a typed option that differs is refused', async () => {
    const out = join(corpus.dir, 'resume-run');
    // Options far from the command line's defaults (embedding 8, not 128): a resume must not need them typed again.
    await train(options(out, { stopAfterStep: 2, epochs: 3 }), quiet);
    const differs = await cli(['train', '--out', out, '--resume', '--embedding', '16']);
    expect(differs.code).toBe(1);
    expect(differs.stderr).toMatch(/option embeddingSize was 8 .* but is 16 now/);
    const resumed = await cli(['train', '--out', out, '--resume', '--max-steps', '4']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resumed from .*checkpoint\.safetensors: step 2/);
    expect(resumed.stdout).toMatch(/"embeddingSize":8,"hiddenSize":8/);
    expect(resumed.stdout).toMatch(/training stopped: 4 steps/);
  });

  it('training on texts that are all empty is refused, with no run files left', async () => {
    const empty = join(corpus.dir, 'empty.tsv');
    writeFileSync(empty, '\t\n  \t \n\t.\n');
    const out = join(corpus.dir, 'empty-run');
    await expect(train(options(out, { data: empty, valid: empty }), quiet)).rejects.toThrow(/no training pairs left/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a diverging run stops with NonFiniteLossError naming the step and saves no NaN model; --on-non-finite skip skips it', async () => {
    const out = join(corpus.dir, 'diverge');
    mkdirSync(out, { recursive: true });
    const e = await train(options(out, { learningRate: 1e30, clipNorm: 0, epochs: 3, checkpointEvery: 1000 }), quiet).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NonFiniteLossError);
    expect((e as NonFiniteLossError).step).toBeGreaterThan(1);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(false);
    const lines: string[] = [];
    const skipped = await train(options(join(corpus.dir, 'skip'), { learningRate: 1e30, clipNorm: 0, epochs: 1, maxSteps: 4, onNonFinite: 'skip' }), { log: (l) => lines.push(l), progress: false }).catch((x: unknown) => x);
    // The first update throws the weights far out; every later step is non-finite and skipped, so training ends with finite weights.
    expect(skipped).not.toBeInstanceOf(Error);
    expect(lines.filter((l) => /warning: step \d+: the (loss|gradient norm) is .*; update skipped/.test(l)).length).toBeGreaterThan(0);
    expect(existsSync(join(corpus.dir, 'skip', 'model.safetensors'))).toBe(true);
  });
});
