import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeTrainingState } from '@cellstate/nn';
import { encodeSeq2SeqModel, Seq2Seq } from '@cellstate/seq2seq';
import { EOS_ID, Vocabulary } from '@cellstate/text';
import { tensor } from '@cellstate/tensor';
import { selectBackend } from './cli/backend.js';
import { readTsv } from './cli/data.js';
import { tokensOf } from './preprocess.js';
import { writeTinyCorpus } from './test-data.js';
import { dawnMissing, skipTitle } from '../../../tools/test-env/requirements.ts';

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));
const corpus = writeTinyCorpus(40);
const modelFile = join(corpus.dir, 'tiny.safetensors');
const checkpointFile = join(corpus.dir, 'checkpoint.safetensors');

const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
const gpuMissing = dawnMissing();

function cli(args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--conditions=@cellstate/source', '--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: appDir,
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: appDir, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('translate CLI', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    const pre = { sourceLanguage: 'en', targetLanguage: 'fr', lowercase: true, tokenizer: 'words' as const, maxSourceLength: 12, maxTargetLength: 12 };
    const pairs = readTsv(corpus.train);
    const sourceVocabulary = Vocabulary.build(pairs.map((p) => tokensOf(p.source, pre)));
    const targetVocabulary = Vocabulary.build(pairs.map((p) => tokensOf(p.target, pre)));
    const model = new Seq2Seq({ sourceVocabSize: sourceVocabulary.size, targetVocabSize: targetVocabulary.size, embeddingSize: 8, hiddenSize: 8, attention: 'dot', tieEmbeddings: true, seed: 2 });
    // An untrained model may stop at once; make <eos> unlikely so every translation has words.
    const bias = new Float32Array(targetVocabulary.size);
    bias[EOS_ID] = -30;
    model.loadStateDict({ 'decoder.output_bias': tensor(bias, [bias.length]) }, { strict: false });
    writeFileSync(modelFile, await encodeSeq2SeqModel({ model, sourceVocabulary, targetVocabulary, preprocessing: pre }, { dtype: 'F16' }));
    writeFileSync(checkpointFile, await encodeTrainingState({ model, step: 1 }));
    model.dispose();
  });
  afterAll(() => rmSync(corpus.dir, { recursive: true, force: true }));

  it('run "text" prints one line; --verbose names the backend; --show-unknown lists unknown words', () => {
    const r = cli(['--verbose', 'run', '-m', modelFile, '--show-unknown', '-b', '2', 'I see a zyzzyva.']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain('backend: cpu');
    expect(r.stderr).toMatch(/\* cpu \(priority 1\): ready/);
    expect(r.stderr).toMatch(/unknown words: .*zyzzyva/);
  });

  it('stdin: one line out per line in, blank lines stay blank, a 5,000-word line is truncated with a warning', () => {
    const long = Array.from({ length: 5000 }, (_, i) => (i % 2 ? 'cat' : 'the')).join(' ');
    const r = cli(['run', '-m', modelFile, '-b', '1'], `I see a cat.\n\n   \n${long}\nthe dog\n`);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(6); // 5 lines + the final newline
    expect(lines[1]).toBe('');
    expect(lines[2]).toBe('');
    expect(lines[0]!.length).toBeGreaterThan(0);
    expect(lines[3]!.length).toBeGreaterThan(0);
    expect(r.stderr).toContain('warning: input 4 has 5000 tokens; translating only the first 100');
  });

  it('a model file of the wrong kind, or a missing one, fails with an error naming the file', () => {
    const wrong = cli(['run', '-m', checkpointFile, 'hello']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(checkpointFile);
    expect(wrong.stderr).toContain('not a translation model: it is a cellstate training checkpoint');
    const missing = cli(['run', '-m', join(corpus.dir, 'nope.safetensors'), 'hello']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.safetensors: cannot read the model file/);
  });

  it('--backend webgpu without the package (or a GPU) fails with BackendUnavailableError listing every backend', () => {
    const r = cli(['--backend', 'webgpu', 'run', '-m', modelFile, 'hello']);
    if (r.code === 0) return; // a working WebGPU backend is installed here
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("backend 'webgpu' is not available");
    expect(r.stderr).toMatch(/webgpu \(priority 3\): (unavailable|failed)/);
    expect(r.stderr).toContain('cpu (priority 1)');
  });

  it.skipIf(!!gpuMissing)(skipTitle('--backend webgpu on Dawn + SwiftShader translates like the CPU backend', gpuMissing), () => {
    const text = 'I see a cat.\nthe big dog\n';
    const cpu = cli(['run', '-m', modelFile, '-b', '2'], text);
    const gpu = cli(['--backend', 'webgpu', '--verbose', 'run', '-m', modelFile, '-b', '2'], text, { VK_ICD_FILENAMES: swiftShader });
    if (gpu.code !== 0 && /webgpu \(priority 3\): (unavailable|failed)/.test(gpu.stderr)) return; // no usable adapter here
    expect(gpu.code, gpu.stderr).toBe(0);
    expect(gpu.stderr).toContain('backend: webgpu');
    expect(gpu.stdout).toBe(cpu.stdout);
  });

  it('eval prints BLEU and perplexity', () => {
    const r = cli(['eval', '-m', modelFile, '--data', corpus.valid, '-b', '1', '--limit', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/BLEU \d+\.\d\d/);
    expect(r.stdout).toMatch(/perplexity \d+\.\d\d/);
  });

  it('eval passes --length-penalty to the beam search and refuses a negative one', () => {
    const r = cli(['eval', '-m', modelFile, '--data', corpus.valid, '-b', '3', '--length-penalty', '1', '--limit', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/beam 3, length penalty 1\)/);
    const bad = cli(['eval', '-m', modelFile, '--data', corpus.valid, '--length-penalty', '-1']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/length-penalty/);
  });
});
