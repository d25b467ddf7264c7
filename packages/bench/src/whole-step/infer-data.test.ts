// W8T / W8S inputs files and runner, on tiny models built here (no ../shared/data): the
// ids and batches against @cellstate/text / @cellstate/sentiment's own encoding, batching and
// padding and `translate run`'s chunking; the runner's outputs against direct beamSearch /
// predict calls; and, where Debian's python3-torch is installed, python/infer_torch.py on the
// same files (its safetensors reader, Q8 dequantisation, beam search and agreement check).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@cellstate/backend-cpu';
import { SentimentClassifier, buildVocabulary, makeBatch as makeSentimentBatch, sortedBatches } from '@cellstate/sentiment';
import { loadClassifier, saveClassifier } from '@cellstate/sentiment/node';
import { Seq2Seq, beamSearch, decodeSeq2SeqModel, encodeSeq2SeqModel, makeBatch, type Preprocessing } from '@cellstate/seq2seq';
import { setBackend } from '@cellstate/tensor';
import { UNK_ID, Vocabulary, tokenize } from '@cellstate/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSentimentInferFile,
  buildTranslateInferFile,
  inferData,
  inferDataPath,
  modelHashes,
  readJsonlTexts,
  readTatoebaSources,
  sha256,
  writeInferReference,
  type SentimentInferSpec,
  type TranslateInferSpec,
} from './infer-data.js';
import { inferWorkload } from './infer-step.js';
import { skipTitle } from '../../../../tools/test-env/requirements.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.BENCH_PYTHON || '/usr/bin/python3';
const INFER_TORCH = resolve(here, '../../python/infer_torch.py');
function torchMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (Debian: apt-get install -y python3-torch libopenblas0-pthread; or set BENCH_PYTHON)`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  return `${PYTHON} cannot import torch and numpy (${(probe.stderr || '').trim().split('\n').pop()}; Debian: apt-get install -y python3-torch libopenblas0-pthread)`;
}
const noTorch = torchMissing();
const hasTorch = noTorch === undefined;

const SENTENCES = [
  'I am cold.',
  'He runs fast!',
  '',
  'Tom likes the red car very much indeed.', // 9 tokens: cut at maxInputTokens 6
  "She doesn't know.",
  'We are late.',
  'Why?',
  'The cat sleeps on the mat.', // 7 tokens: cut too
  'I paid.',
  'Zebras quietly yodel.', // unknown words
];
const TRANSLATE_SPEC: TranslateInferSpec = { data: 'tiny', sentences: SENTENCES.length, model: 'tiny', beamSize: 3, lengthPenalty: 0.6, linesPerChunk: 4, batchSize: 3, maxInputTokens: 6 };
const PREPROCESSING: Preprocessing = { sourceLanguage: 'en', targetLanguage: 'fr', lowercase: true, tokenizer: 'words', maxSourceLength: 12, maxTargetLength: 12 };

const TWEETS = [
  '@united the flight was late again!!',
  'great crew, lovely flight :)',
  '   ',
  'lost my bag. terrible service http://t.co/x',
  'the and of it', // only stop words: no ids, one <unk>
  'thanks @jetblue see you in 2 hours',
  'why is the gate closed?',
  'rude agent, never again',
  'ok',
];
const SENTIMENT_SPEC: SentimentInferSpec = { data: 'tiny', texts: TWEETS.length, model: 'tiny', linesPerChunk: 4, batchSize: 2 };
const LABELS = ['negative', 'neutral', 'positive'];

const dir = mkdtempSync(join(tmpdir(), 'w8-'));
const translateModel = join(dir, 'tiny-en-fr.safetensors');
const sentimentDir = join(dir, 'tiny-sentiment');
let modelBytes: Uint8Array;
let sourceVocabulary: Vocabulary;
let clf: SentimentClassifier;

beforeAll(async () => {
  await setBackend('cpu');
  const tokens = SENTENCES.map((s) => tokenize(s, { lowercase: true }));
  sourceVocabulary = Vocabulary.build(tokens.slice(0, 8)); // the last sentences' rare words stay <unk>
  const targetVocabulary = Vocabulary.build([['je', 'suis', 'froid', '.', 'il', 'court', 'vite', '!', 'nous', 'sommes', 'en', 'retard', 'pourquoi', '?', 'le', 'chat', 'dort']]);
  const model = new Seq2Seq({ sourceVocabSize: sourceVocabulary.size, targetVocabSize: targetVocabulary.size, embeddingSize: 16, hiddenSize: 32, attention: 'dot', tieEmbeddings: true, seed: 3 });
  modelBytes = await encodeSeq2SeqModel({ model, sourceVocabulary, targetVocabulary, preprocessing: PREPROCESSING }, { dtype: 'Q8' });
  model.dispose();
  writeFileSync(translateModel, modelBytes);
  clf = SentimentClassifier.create({ labels: LABELS, vocabulary: buildVocabulary(TWEETS, { minFrequency: 1 }), model: { embeddingDim: 8, hiddenSize: 6 } });
  await saveClassifier(sentimentDir, clf);
});

afterAll(() => clf?.dispose());

/** Runs python/infer_torch.py on the files in `dir` (one thread, OpenBLAS as the bench runs it). */
function runTorch(id: 'W8T' | 'W8S'): Record<string, unknown> {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', TORCH_THREADS: '1', LD_LIBRARY_PATH: ['/usr/lib/x86_64-linux-gnu/openblas-pthread', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const r = spawnSync(PYTHON, [INFER_TORCH, id, '--quick', '--system', 'test', '--inputs', inferDataPath(id, dir), '--reference', join(dir, `${id}-cellstate-outputs.json`)], { encoding: 'utf8', env });
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as Record<string, unknown>;
}

describe('W8T inputs (translate run)', () => {
  const file = () => buildTranslateInferFile(SENTENCES, modelBytes, TRANSLATE_SPEC, { data: 'tiny', model: translateModel });

  it("encodes every line with the model's tokenizer and source vocabulary, cutting long ones and skipping blank ones", () => {
    const f = file();
    expect(f.workload).toBe('W8T');
    expect(f.modelSha256).toEqual({ 'tiny-en-fr.safetensors': sha256(modelBytes) });
    expect(f.modelSha256).toEqual(modelHashes('W8T', translateModel));
    SENTENCES.forEach((s, i) => {
      const t = tokenize(s, { lowercase: true }).slice(0, 6);
      expect(f.tokens[i]).toEqual(t);
      expect(f.ids[i]).toEqual(sourceVocabulary.encode(t));
    });
    expect(f.truncated).toEqual([3, 7]);
    expect(f.skipped).toEqual([2]);
    expect(f.ids[9]).toContain(UNK_ID);
    expect(f.config).toMatchObject({ embeddingSize: 16, hiddenSize: 32, attention: 'dot', tieEmbeddings: true });
  });

  it('batches as translate run does: chunks of lines, sorted by length (stable), cut into batches, maxLength from the longest', () => {
    const f = file();
    // Chunks [0..3], [4..7], [8, 9]; lengths (ids) 4 4 - 6 | 5 4 2 6 | 3 4 (blank line 2 skipped; 0 and 1 keep their order).
    expect(f.ids.map((x) => x.length)).toEqual([4, 4, 0, 6, 5, 4, 2, 6, 3, 4]);
    expect(f.batches.map((b) => b.items)).toEqual([[0, 1, 3], [6, 5, 4], [7], [8, 9]]);
    // min(⌈1.5·longest⌉ + 10, max(2·12, 50)).
    expect(f.batches.map((b) => b.maxLength)).toEqual([19, 18, 19, 16]);
  });

  it("runs the file's beamSearch calls and keeps each sentence's best hypothesis (the same as beamSearch on those batches)", async () => {
    const f = file();
    const w = inferWorkload('W8T', { file: f });
    try {
      expect(w.itemsPerRun).toBe(9);
      await w.run();
      const out = w.lastOutputs();
      expect(out?.workload).toBe('W8T');
      const outputs = out!.outputs;
      expect(outputs[2]).toBeNull();
      const { model } = await decodeSeq2SeqModel(modelBytes, 'tiny');
      try {
        for (const b of f.batches) {
          const batch = makeBatch(b.items.map((i) => ({ source: f.ids[i]! })));
          const lists = await beamSearch(model, batch, { beamSize: 3, lengthPenalty: 0.6, maxLength: b.maxLength });
          batch.dispose();
          b.items.forEach((item, k) => expect(outputs[item]).toMatchObject({ ids: lists[k]![0]!.ids, score: lists[k]![0]!.score }));
        }
      } finally {
        model.dispose();
      }
      await w.run(); // a second pass: the same outputs
      expect(w.lastOutputs()!.outputs).toEqual(outputs);
      expect(w.parameters()).toBeGreaterThan(0);
    } finally {
      w.dispose();
    }
  });

  it.skipIf(!hasTorch)(skipTitle('python/infer_torch.py reads the Q8 file and decodes the same ids', noTorch), async () => {
    const f = file();
    writeFileSync(inferDataPath('W8T', dir), JSON.stringify(f));
    const w = inferWorkload('W8T', { file: f });
    expect(w.flopsPerRun()).toBeNull();
    await w.run();
    writeInferReference(w.lastOutputs()!, { system: 'test', modelSha256: f.modelSha256 }, dir);
    // The beam rows the decoder ran, counted by each side on its own: the same useful flops.
    const flops = w.flopsPerRun()!;
    w.dispose();
    const r = runTorch('W8T');
    expect(r).toMatchObject({ workload: 'W8T', system: 'test', status: 'ok', items_per_run: 9 });
    expect(flops).toBeGreaterThan(0);
    expect(r.gflop_per_pass).toBe(Number((flops / 1e9).toPrecision(5)));
    expect(r.gflops).toBeGreaterThan(0);
    const a = r.agreement as { same_output_ids: number; of: number; max_abs_score_diff_when_same: number };
    expect(a.of).toBe(9);
    expect(a.same_output_ids).toBe(9);
    expect(a.max_abs_score_diff_when_same).toBeLessThan(1e-4);
  });
});

describe('W8S inputs (sentiment run)', () => {
  const file = () => buildSentimentInferFile(TWEETS, clf.toJSON(), SENTIMENT_SPEC, { data: 'tiny', model: sentimentDir, sha256: modelHashes('W8S', sentimentDir) });

  it('encodes every text as SentimentClassifier.encode does', () => {
    const f = file();
    TWEETS.forEach((t, i) => expect(f.ids[i]).toEqual(clf.encode(t).ids));
    expect(f.ids[4]).toEqual([]);
    expect(f.skipped).toEqual([2]);
    expect(Object.keys(f.modelSha256).sort()).toEqual(['model.safetensors', 'sentiment.json']);
    expect(f.modelConfig).toMatchObject({ embeddingDim: 8, hiddenSize: 6, bidirectional: true });
  });

  it("makes probabilitiesOf's batches of each predict call (sortedBatches), padded as makeBatch pads", async () => {
    const f = file();
    expect(f.calls.map((c) => c.items)).toEqual([[0, 1, 3], [4, 5, 6, 7], [8]]);
    for (const call of f.calls) {
      const expected = sortedBatches(call.items.map((i) => f.ids[i]!.length), 2).map((rows) => rows.map((k) => call.items[k]!));
      expect(call.batches.map((b) => b.items)).toEqual(expected);
      for (const b of call.batches) {
        const mb = makeSentimentBatch(b.items.map((i) => f.ids[i]!));
        const [T, B] = mb.ids.shape as [number, number];
        const data = Array.from(await mb.ids.data());
        expect(b.T).toBe(T);
        expect(b.lengths).toEqual(Array.from(mb.lengths));
        expect(b.padded).toEqual(Array.from({ length: B }, (_, i) => Array.from({ length: T }, (__, t) => data[t * B + i])));
        mb.ids.dispose();
      }
    }
  });

  it('gives the labels and probabilities predict gives, chunk by chunk', async () => {
    const f = file();
    const w = inferWorkload('W8S', { file: f });
    try {
      expect(w.itemsPerRun).toBe(8);
      await w.run();
      const outputs = w.lastOutputs()!.outputs as ({ label: number; probabilities: number[] } | null)[];
      expect(outputs[2]).toBeNull();
      // The saved weights are F16: compare with the saved model loaded as the app loads it, not `clf` itself.
      const loaded = await loadClassifier(sentimentDir);
      try {
        for (const call of f.calls) {
          const preds = await loaded.predict(call.items.map((i) => TWEETS[i]!), { batchSize: 2 });
          call.items.forEach((item, k) => {
            expect(LABELS[outputs[item]!.label]).toBe(preds[k]!.label);
            expect(outputs[item]!.probabilities).toEqual(LABELS.map((l) => preds[k]!.probabilities[l]));
          });
        }
      } finally {
        loaded.dispose();
      }
    } finally {
      w.dispose();
    }
  });

  it.skipIf(!hasTorch)(skipTitle('python/infer_torch.py reads the F16 model and gives the same labels and probabilities (1e-4)', noTorch), async () => {
    const f = file();
    writeFileSync(inferDataPath('W8S', dir), JSON.stringify(f));
    const w = inferWorkload('W8S', { file: f });
    await w.run();
    writeInferReference(w.lastOutputs()!, { system: 'test', modelSha256: f.modelSha256 }, dir);
    const flops = w.flopsPerRun()!;
    w.dispose();
    const r = runTorch('W8S');
    expect(r).toMatchObject({ workload: 'W8S', status: 'ok', items_per_run: 8 });
    expect(r.gflop_per_pass).toBe(Number((flops / 1e9).toPrecision(5)));
    expect(r.agreement).toMatchObject({ same_labels: 8, probabilities_within_1e_4: 8, of: 8 });
  });
});

describe('W8 data readers and cache', () => {
  it('takes the first distinct sources of a TSV file and the texts of a JSON Lines file', () => {
    const tsv = join(dir, 'test.tsv');
    writeFileSync(tsv, ['Hi.\tSalut.', 'Hi.\tBonjour.', 'no tab here', 'Run!\tCours !', 'Wait.\tAttends.'].join('\n'));
    expect(readTatoebaSources(tsv, 3)).toEqual(['Hi.', 'Run!', 'Wait.']);
    expect(() => readTatoebaSources(tsv, 4)).toThrow(/only 3 distinct/);
    const jsonl = join(dir, 'test.jsonl');
    writeFileSync(jsonl, ['{"text":"a\\nb","label":"x"}', '', 'not json', '{"label":"y"}', '{"text":"c\\r\\nd"}', '{"text":"e"}'].join('\n'));
    expect(readJsonlTexts(jsonl, 3)).toEqual(['a b', 'c d', 'e']);
  });

  it('reads a cached inputs file made with the same spec and model without touching the data', () => {
    const cache = mkdtempSync(join(tmpdir(), 'w8-cache-'));
    const spec = { ...TRANSLATE_SPEC, model: translateModel };
    const f = buildTranslateInferFile(SENTENCES, modelBytes, spec, { data: 'tiny', model: translateModel });
    writeFileSync(inferDataPath('W8T', cache), JSON.stringify(f));
    expect(inferData('W8T', spec, cache)).toEqual(f);
  });

  it('writes the reference outputs with the model hash', () => {
    const cache = mkdtempSync(join(tmpdir(), 'w8-ref-'));
    const file = writeInferReference({ workload: 'W8S', outputs: [null, { label: 1, probabilities: [0.2, 0.5, 0.3] }] }, { system: 's', modelSha256: { a: 'b' } }, cache);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ system: 's', modelSha256: { a: 'b' }, workload: 'W8S', outputs: [null, { label: 1, probabilities: [0.2, 0.5, 0.3] }] });
  });
});
