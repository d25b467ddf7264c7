import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import {
  BagOfWordsClassifier,
  DEFAULT_LABELS,
  SentimentClassifier,
  applyWordVectors,
  buildVocabulary,
  formatReport,
  initFromClassifier,
  trainClassifier,
  seededRandom,
  shuffle,
  type EvaluationReport,
  type LabeledText,
  type Pooling,
  type PreprocessOptions,
} from '@cellstate/sentiment';
import { assertWritable, writeFileAtomically } from '@cellstate/nn/node';
import { createFileCheckpointStore, loadClassifier, MODEL_JSON, MODEL_WEIGHTS, readWordVectorsFile, saveClassifier } from '@cellstate/sentiment/node';
import { DataError, parseLabelMap, readDataset, type DataFormat, type DatasetLine, type Problem } from '../data.js';
import { parseSstSpec, readSstFile } from '../sst-phrases.js';
import { modelPath, userPath, type Io } from './io.js';
import { openModel } from './run.js';

export interface DataOptions {
  format?: DataFormat;
  textColumn?: string;
  labelColumn?: string;
  labelMap?: string;
  onError?: 'skip' | 'fail';
  labels?: string;
}

export interface TrainCommandOptions extends DataOptions {
  train: string;
  valid?: string;
  /** Hold out this fraction of the training data (seeded) when there is no --valid file. */
  validFraction?: number;
  test?: string;
  out: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  embeddingDim?: number;
  hiddenSize?: number;
  layers?: number;
  bidirectional?: boolean;
  pooling?: string;
  dropout?: number;
  embeddingDropout?: number;
  classWeights?: string;
  minFrequency?: number;
  maxVocab?: number;
  maxTokens?: number;
  stopWords?: boolean;
  vectors?: string;
  freezeVectors?: boolean;
  /** Fine-tune: start from this trained model directory. */
  initFrom?: string;
  /** Distillation: the teacher model(s) (`a,b,c`: their ensemble) whose probabilities on the training texts are soft targets. */
  distillFrom?: string;
  /** The soft targets' share of the loss (default 0.5). */
  distillWeight?: number;
  checkpointDir?: string;
  resume?: boolean;
  /** Replace a model in `out` / start over in a `checkpointDir` holding a checkpoint (refused without it). */
  overwrite?: boolean;
  /** A non-finite loss: 'stop' (default, an error naming the step) or 'skip' the update. */
  onNonFinite?: 'stop' | 'skip';
  patience?: number;
  seed?: number;
  baseline?: boolean;
  float32?: boolean;
  /** Save int8 embedding and LSTM matrices (a float32 scale per row), the rest float16. */
  int8?: boolean;
  verbose?: boolean;
  limit?: number;
}

export function parseLabels(spec: string | undefined): string[] {
  if (!spec) return [...DEFAULT_LABELS];
  const labels = spec.split(',').map((l) => l.trim()).filter(Boolean);
  if (labels.length < 2 || new Set(labels).size !== labels.length) throw new Error(`--labels: give at least two distinct labels separated by commas, got ${JSON.stringify(spec)}`);
  return labels;
}

export function printProblems(io: Io, problems: Problem[], verbose = false): void {
  const shown = verbose ? problems : problems.slice(0, 10);
  for (const p of shown) io.err(`${p.skipped ? 'skipped' : 'warning'}: ${p.file}:${p.line}: ${p.message}\n`);
  if (shown.length < problems.length) io.err(`... and ${problems.length - shown.length} more (--verbose lists all)\n`);
}

/**
 * Reads a labelled file, keeping only lines whose label is one of `labels`; a line
 * with another label is reported as file:line (and, with `onError: 'fail'`, stops).
 */
export function loadLabelled(file: string, labels: readonly string[], o: DataOptions, io: Io, verbose = false): LabeledText[] {
  const sst = parseSstSpec(file);
  if (sst) return loadSst(sst, labels, io);
  const ds = readDataset(userPath(file), {
    ...(o.format ? { format: o.format } : {}),
    ...(o.textColumn ? { textColumn: o.textColumn } : {}),
    ...(o.labelColumn ? { labelColumn: o.labelColumn } : {}),
    ...(o.labelMap ? { labelMap: parseLabelMap(o.labelMap) } : {}),
    onError: o.onError ?? 'skip',
  });
  const kept: DatasetLine[] = [];
  for (const ex of ds.examples) {
    if (labels.includes(ex.label)) kept.push(ex);
    else {
      const message = `unknown label ${JSON.stringify(ex.label)} (the labels are ${labels.map((l) => JSON.stringify(l)).join(', ')}; set them with --labels, or map values with --label-map)`;
      if (o.onError === 'fail') throw new DataError(message, ds.file, ex.line);
      ds.problems.push({ file: ds.file, line: ex.line, message, skipped: true });
    }
  }
  printProblems(io, ds.problems, verbose);
  const skipped = ds.problems.filter((p) => p.skipped).length;
  io.err(`${file}: ${kept.length} examples${skipped ? `, ${skipped} skipped` : ''}\n`);
  return kept;
}

/**
 * `sst-phrases:FILE` (every phrase of the trees, identical texts merged) or
 * `sst-sentences:FILE` (the roots), labelled negative / neutral / positive. With other
 * labels (e.g. `--labels negative,positive`) the examples whose label is not one of
 * them (the neutral ones) are left out and counted.
 */
function loadSst(spec: { level: 'phrases' | 'sentences'; file: string }, labels: readonly string[], io: Io): LabeledText[] {
  const r = readSstFile(userPath(spec.file), spec.level, spec.file);
  const kept = r.examples.filter((e) => labels.includes(e.label));
  const left = r.examples.length - kept.length;
  const facts = spec.level === 'phrases'
    ? `${r.trees} trees, ${r.nodes} phrases, ${r.merged} repeats merged (${r.conflicts} texts with disagreeing labels: majority kept), ${r.punctuationOnly} punctuation-only left out`
    : `${r.trees} trees, their sentences${r.punctuationOnly ? `, ${r.punctuationOnly} punctuation-only left out` : ''}`;
  io.err(`sst-${spec.level}:${spec.file}: ${kept.length} examples (${facts}${left ? `; ${left} with labels not in ${labels.join(',')} left out` : ''})\n`);
  return kept;
}

function countLabels(data: readonly LabeledText[], labels: readonly string[]): string {
  return labels.map((l) => `${l} ${data.filter((d) => d.label === l).length}`).join(', ');
}

/**
 * Refuses, before any work, to train when the result could not be saved or would
 * silently replace an earlier run: an unwritable --out or --checkpoint-dir, a model
 * already in --out, a checkpoint in --checkpoint-dir without --resume.
 */
async function checkOutputs(o: TrainCommandOptions): Promise<void> {
  if (o.resume && o.overwrite) throw new DataError('--resume and --overwrite exclude each other: continue the run, or start it over', userPath(o.checkpointDir ?? o.out));
  const outDir = userPath(o.out);
  await assertWritable(outDir, { directory: true });
  const existing = [MODEL_JSON, MODEL_WEIGHTS].filter((f) => existsSync(join(outDir, f)));
  if (existing.length && !o.overwrite) throw new DataError(`already holds a model (${existing.join(', ')}); pass --overwrite to replace it, or choose another --out`, outDir);
  if (o.checkpointDir) {
    const dir = userPath(o.checkpointDir);
    await assertWritable(dir, { directory: true });
    if (existsSync(join(dir, 'last.safetensors')) && !o.resume && !o.overwrite) {
      throw new DataError('holds the checkpoint of an earlier run; pass --resume to continue it, --overwrite to start over, or choose another --checkpoint-dir', dir);
    }
  } else if (o.resume) throw new DataError('--resume needs --checkpoint-dir (where the checkpoint is)', outDir);
}

/**
 * The training examples (one file, or several separated by commas read in order: SST
 * phrases and airline tweets, say), the validation examples (a file, or a seeded
 * fraction held out of the training data) and the test examples, if any; warns about
 * labels without a training example.
 */
function loadSplits(o: TrainCommandOptions, labels: string[], io: Io): { train: LabeledText[]; valid: LabeledText[]; test: LabeledText[] | undefined } {
  const trainFiles = o.train.split(',').map((f) => f.trim());
  if (trainFiles.some((f) => f === '')) throw new DataError('give a training file, or several separated by single commas', o.train);
  let train = trainFiles.flatMap((f) => loadLabelled(f, labels, o, io, o.verbose));
  if (o.limit) train = train.slice(0, o.limit);
  let valid: LabeledText[];
  if (o.valid) valid = loadLabelled(o.valid, labels, o, io, o.verbose);
  else if (o.validFraction && o.validFraction > 0 && o.validFraction < 1) {
    const order = shuffle(train.map((_, i) => i), seededRandom((o.seed ?? 1) * 7 + 3));
    const held = new Set(order.slice(0, Math.max(1, Math.round(train.length * o.validFraction))));
    valid = train.filter((_, i) => held.has(i));
    train = train.filter((_, i) => !held.has(i));
    io.err(`validation: ${valid.length} examples held out of the training data (--valid-fraction ${o.validFraction})\n`);
  } else throw new Error('give --valid <file> or --valid-fraction <0..1>');
  const test = o.test ? loadLabelled(o.test, labels, o, io, o.verbose) : undefined;
  if (train.length === 0) throw new DataError('no usable training examples', o.train);
  for (const l of labels) if (!train.some((t) => t.label === l)) io.err(`warning: no training example has the label ${JSON.stringify(l)}\n`);
  io.err(`train: ${countLabels(train, labels)}\n`);
  return { train, valid, test };
}

/** With --distill-from: the teacher's probabilities for every training text (the soft targets), and what the model file records about them. */
async function distillationTargets(o: TrainCommandOptions, labels: string[], train: LabeledText[], io: Io): Promise<{ softTargets?: number[][]; distillInfo?: Record<string, unknown> }> {
  let softTargets: number[][] | undefined;
  let distillInfo: Record<string, unknown> | undefined;
  if (o.distillFrom) {
    const teacher = await openModel(o.distillFrom);
    try {
      if (teacher.labels.join() !== labels.join()) throw new DataError(`the teacher's labels ${teacher.labels.join(',')} differ from the labels ${labels.join(',')}`, o.distillFrom);
      const t0 = Date.now();
      const preds = await teacher.predict(train.map((t) => t.text));
      softTargets = preds.map((p) => labels.map((l) => p.probabilities[l]!));
      const agree = preds.filter((p, i) => p.label === train[i]!.label).length / train.length;
      io.err(`distillation: soft targets from ${o.distillFrom} on ${train.length} training texts in ${((Date.now() - t0) / 1000).toFixed(0)} s (the teacher agrees with ${(100 * agree).toFixed(1)}% of the labels); soft-target weight ${o.distillWeight ?? 0.5}\n`);
      distillInfo = { teacher: o.distillFrom, weight: o.distillWeight ?? 0.5, teacherTrainAgreement: agree };
    } finally {
      teacher.dispose();
    }
  }
  return { softTargets, distillInfo };
}

export async function trainCommand(o: TrainCommandOptions, io: Io): Promise<void> {
  const started = Date.now();
  await checkOutputs(o);
  const labels = parseLabels(o.labels);
  const { train, valid, test } = loadSplits(o, labels, io);

  const preprocess: PreprocessOptions = { removeStopWords: o.stopWords ?? true, maxTokens: o.maxTokens ?? 200 };
  const vocabulary = buildVocabulary(train.map((t) => t.text), { preprocess, minFrequency: o.minFrequency ?? 2, maxSize: o.maxVocab ?? 20_000 });
  io.err(`vocabulary: ${vocabulary.size} entries (min frequency ${o.minFrequency ?? 2})\n`);
  if (vocabulary.size <= 4) {
    // Only <pad>, <unk>, <bos>, <eos>: every text would read as unknown words.
    throw new DataError(`no words left in the training texts after preprocessing (all empty, stop words or punctuation, or --min-frequency ${o.minFrequency ?? 2} is too high): a model would only learn the label frequencies`, o.train);
  }
  const source = o.initFrom ? await loadClassifier(modelPath(o.initFrom)) : undefined;
  const from = source?.model.config;
  const pooling = o.pooling ? (o.pooling.split(',').map((p) => p.trim()) as Pooling[]) : (from?.pooling ?? ['mean', 'max']);
  const clf = SentimentClassifier.create({
    labels,
    vocabulary,
    preprocess,
    model: {
      embeddingDim: o.embeddingDim ?? from?.embeddingDim ?? 100,
      hiddenSize: o.hiddenSize ?? from?.hiddenSize ?? 64,
      numLayers: o.layers ?? from?.numLayers ?? 1,
      bidirectional: o.bidirectional ?? from?.bidirectional ?? true,
      pooling,
      dropout: o.dropout ?? 0.5,
      embeddingDropout: o.embeddingDropout ?? 0.25,
      seed: o.seed ?? 1,
    },
  });
  let initInfo: Record<string, unknown> | undefined;
  if (source) {
    try {
      const r = await initFromClassifier(clf, source);
      io.err(`initialised from ${o.initFrom}: ${r.matched} of ${r.vocabularyWords} word vectors (${(100 * r.coverage).toFixed(1)}%), ${r.lstmTensors.length} LSTM tensors, output layer ${r.classifierCopied ? 'copied' : 'new (labels or pooling differ)'}\n`);
      initInfo = { model: o.initFrom, matched: r.matched, vocabularyWords: r.vocabularyWords, classifierCopied: r.classifierCopied };
    } finally {
      source.dispose();
    }
  }
  let vectorsInfo: Record<string, unknown> | undefined;
  if (o.vectors) {
    const wv = await readWordVectorsFile(userPath(o.vectors), (w) => vocabulary.has(w) || vocabulary.has(w.toLowerCase()));
    for (const e of wv.errors) io.err(`skipped: ${o.vectors}:${e.line}: ${e.message}\n`);
    const match = await applyWordVectors(clf, wv, { freeze: o.freezeVectors ?? false });
    io.err(`pretrained vectors: ${match.matched} of ${match.vocabularyWords} vocabulary words matched (${(100 * match.coverage).toFixed(1)}%, ${match.matchedLowercase} through lower-casing); e.g. unmatched: ${match.unmatchedExamples.slice(0, 8).join(' ')}\n`);
    vectorsInfo = { file: o.vectors, ...match };
  }

  const { softTargets, distillInfo } = await distillationTargets(o, labels, train, io);

  const checkpoints = o.checkpointDir ? createFileCheckpointStore(userPath(o.checkpointDir)) : undefined;
  const bar = io.isTTY ? new cliProgress.SingleBar({ format: 'epoch {epoch} [{bar}] {value}/{total} steps | loss {loss} | {eta}s left', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
  let barEpoch = 0;
  const result = await trainClassifier(clf, train, valid, {
    epochs: o.epochs ?? 15,
    batchSize: o.batchSize ?? 32,
    learningRate: o.lr ?? 2e-3,
    patience: o.patience ?? 3,
    classWeights: (o.classWeights as 'sqrt' | 'balanced' | 'none' | undefined) ?? 'sqrt',
    seed: o.seed ?? 1,
    ...(checkpoints ? { checkpoints, resume: o.resume ?? false } : {}),
    onNonFinite: o.onNonFinite === 'skip' ? 'skip' : 'throw',
    ...(softTargets ? { softTargets, softTargetWeight: o.distillWeight ?? 0.5 } : {}),
    onStep: ({ epoch, step, steps, loss }) => {
      if (bar) {
        if (barEpoch !== epoch) {
          if (barEpoch) bar.stop();
          bar.start(steps, 0, { epoch, loss: '-' });
          barEpoch = epoch;
        }
        bar.update(step, { epoch, loss: loss.toFixed(4) });
      } else if (step % 100 === 0 || step === steps) {
        io.err(`epoch ${epoch} step ${step}/${steps} loss ${loss.toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
      }
    },
    onEpoch: (s) => {
      if (bar) {
        bar.stop();
        barEpoch = 0;
      }
      io.err(`epoch ${s.epoch}: train loss ${s.trainLoss.toFixed(4)} | valid accuracy ${s.validAccuracy.toFixed(4)} macro-F1 ${s.validMacroF1.toFixed(4)}${s.best ? ' (best)' : ''} | ${s.seconds.toFixed(0)} s | lr ${s.learningRate.toExponential(2)}${s.skippedSteps ? ` | ${s.skippedSteps} steps skipped (non-finite loss)` : ''}\n`);
    },
  });
  if (result.resumedFromEpoch) io.err(`resumed after epoch ${result.resumedFromEpoch}\n`);
  io.err(`best epoch ${result.bestEpoch}: valid macro-F1 ${result.bestMacroF1.toFixed(4)}${result.stoppedEarly ? ' (stopped early)' : ''}\n`);
  const seconds = (Date.now() - started) / 1000;

  const reports: Record<string, EvaluationReport> = { valid: result.valid };
  if (test) reports.test = await clf.evaluate(test);
  let baseline: Record<string, EvaluationReport> | undefined;
  if (o.baseline) {
    io.err('training the bag-of-words baseline on the same splits...\n');
    const bow = BagOfWordsClassifier.fit(train, { labels, preprocess });
    await bow.train(train, valid);
    baseline = { valid: await bow.evaluate(valid), ...(test ? { test: await bow.evaluate(test) } : {}) };
    bow.dispose();
  }
  clf.info = {
    trainedAt: new Date().toISOString(),
    command: process.argv.slice(2).join(' '),
    trainFile: o.train,
    ...(o.valid ? { validFile: o.valid } : { validFraction: o.validFraction }),
    ...(o.test ? { testFile: o.test } : {}),
    trainExamples: train.length,
    trainSeconds: Math.round(seconds),
    bestEpoch: result.bestEpoch,
    classWeights: result.classWeights,
    history: result.history,
    metrics: stripPredictions(reports),
    ...(baseline ? { baseline } : {}),
    ...(vectorsInfo ? { vectors: vectorsInfo } : {}),
    ...(initInfo ? { initFrom: initInfo } : {}),
    ...(distillInfo ? { distill: distillInfo } : {}),
  };
  const outDir = userPath(o.out);
  const sizes = await saveClassifier(outDir, clf, { dtype: o.int8 ? 'Q8' : o.float32 ? 'F32' : 'F16' });
  await mkdir(outDir, { recursive: true });
  await writeFileAtomically(join(outDir, 'report.json'), `${JSON.stringify({ labels, metrics: stripPredictions(reports), ...(baseline ? { baseline } : {}), history: result.history, trainSeconds: Math.round(seconds) }, null, 2)}\n`);
  for (const [split, r] of Object.entries(reports)) io.out(`${formatReport(r, `LSTM ${split}`)}\n\n`);
  if (baseline) for (const [split, r] of Object.entries(baseline)) io.out(`${formatReport(r, `bag-of-words ${split}`)}\n\n`);
  io.out(`saved ${outDir} (weights ${(sizes.weightBytes / 1024).toFixed(0)} KiB, json ${(sizes.jsonBytes / 1024).toFixed(0)} KiB); training took ${(seconds / 60).toFixed(1)} min\n`);
  clf.dispose();
}

function stripPredictions(reports: Record<string, EvaluationReport & { predictions?: number[] }>): Record<string, EvaluationReport> {
  return Object.fromEntries(Object.entries(reports).map(([k, r]) => {
    const { predictions: _p, ...rest } = r;
    return [k, rest];
  }));
}
