/**
 * `translate train`: data → vocabularies → batches → Adam steps, with checkpoints that
 * hold everything needed to continue exactly: parameters, Adam moments and step, the
 * epoch and the position in the epoch's batch order. Every random decision (data order
 * per epoch, dropout masks and teacher-forcing coins per step) is derived from
 * (seed, epoch) or (seed, step), so `--resume` after a kill replays the same run.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Adam, deriveSeed, NonFiniteLossError } from '@cellstate/nn';
import { assertWritable, loadTrainingCheckpoint, saveCheckpoint, saveTrainingCheckpoint, writeFileAtomically } from '@cellstate/nn/node';
import { encodeSeq2SeqModel, makeBatch, permutation, Seq2Seq, trainStep, trainStepChecked, type AttentionKind, type BridgeKind, type IdPair, type LoadedModel, type Preprocessing, type Seq2SeqConfig } from '@cellstate/seq2seq';
import { ArgumentError, readMany, type Tensor } from '@cellstate/tensor';
import { Vocabulary } from '@cellstate/text';
import cliProgress from 'cli-progress';
import { DataError, loadCorpus, type TextPair } from './data.js';
import { evaluate } from './evaluate.js';
import { loadModelFile } from './model-io.js';
import { tokensOf } from './preprocess.js';

/** Everything `train` needs; the CLI fills it from flags. */
export interface TrainOptions {
  data: string;
  valid?: string;
  sourceLanguage?: string;
  targetLanguage?: string;
  out: string;
  resume: boolean;
  /** Start over in an `out` that already holds a run (without it, and without `resume`, that is refused). */
  overwrite?: boolean;
  /**
   * A non-finite loss or gradient: 'stop' (default) ends training with
   * `NonFiniteLossError` naming the step, before anything is saved; 'skip' reads every
   * step's loss and gradient norm and leaves out the updates that are not finite.
   */
  onNonFinite?: 'stop' | 'skip';
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  attention: AttentionKind;
  bridge?: BridgeKind;
  dropout: number;
  tieEmbeddings: boolean;
  reverseSource: boolean;
  sourceVocabSize: number;
  targetVocabSize: number;
  minFrequency: number;
  /** Pairs with more tokens on either side are left out of training. */
  maxLength: number;
  /** Use at most this many training pairs (a seeded sample). */
  trainLimit?: number;
  batchSize: number;
  learningRate: number;
  /**
   * Multiply the learning rate by this after every epoch whose validation BLEU is not the
   * best so far (1 = never; the command line's default is 0.5). The rate of an epoch is a
   * function of the run's history, so `--resume` continues with the same rate.
   */
  lrDecay?: number;
  epochs: number;
  maxSteps?: number;
  maxMinutes?: number;
  checkpointEvery: number;
  seed: number;
  teacherForcing: number;
  clipNorm: number;
  labelSmoothing: number;
  shortlist: number;
  /** Validation sentences (distinct sources) for the BLEU after each epoch. */
  validSize: number;
  /** Also write the final model here (float16 with `f16`, int8 matrices with `int8`). */
  export?: string;
  f16: boolean;
  int8?: boolean;
  /** Test hook: behave as if killed right after the checkpoint of this step. */
  stopAfterStep?: number;
}

export interface TrainIo {
  log: (line: string) => void;
  /** Draw a progress bar (TTY); otherwise log a line every `logEvery` steps. */
  progress: boolean;
  logEvery?: number;
  /** Set to true (by a signal handler) to stop after the current step with a checkpoint. */
  stopRequested?: () => boolean;
  /**
   * Called with true when the step loop starts (from then on `stopRequested` is polled
   * after every step) and false when it ends: outside it a signal handler should exit
   * at once rather than wait for a step that will not come.
   */
  onStepLoop?: (active: boolean) => void;
}

export interface TrainSummary {
  steps: number;
  epochs: number;
  elapsedMs: number;
  stoppedEarly: boolean;
  history: EpochRecord[];
  modelPath: string;
}

interface EpochRecord {
  epoch: number;
  step: number;
  trainLoss: number;
  validBleu: number;
  validPerplexity: number;
  elapsedMs: number;
}

interface Extra {
  batchIndex: number;
  /** Token-weighted loss sum and token count of the epoch so far (for its mean). */
  epochLoss: number;
  epochTokens: number;
  elapsedMs: number;
  history: EpochRecord[];
  [key: string]: unknown;
}

/** Options that must not change across `--resume` (they shape the model, data or run). */
const FIXED: (keyof TrainOptions)[] = [
  'data', 'valid', 'sourceLanguage', 'targetLanguage', 'embeddingSize', 'hiddenSize', 'numLayers', 'bidirectional', 'attention', 'bridge', 'dropout',
  'tieEmbeddings', 'reverseSource', 'sourceVocabSize', 'targetVocabSize', 'minFrequency', 'maxLength', 'trainLimit', 'batchSize', 'learningRate',
  'seed', 'teacherForcing', 'clipNorm', 'labelSmoothing', 'shortlist',
];

/** How many epochs of `history` did not beat the best validation BLEU before them. */
export function epochsWithoutImprovement(history: readonly { validBleu: number }[]): number {
  let best = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (const record of history) {
    if (record.validBleu > best) best = record.validBleu;
    else count++;
  }
  return count;
}

/**
 * The learning rate after the epochs in `history`: `base` times `decay` for every epoch
 * whose validation BLEU did not beat the best before it (a plateau schedule with
 * patience 0, as OpenNMT's). Derived from the history alone, so a resumed run gets the
 * same rate as an uninterrupted one.
 */
export function learningRateAfter(history: readonly { validBleu: number }[], base: number, decay: number): number {
  return base * decay ** epochsWithoutImprovement(history);
}

/** The best validation BLEU in `history` (-Infinity when empty). */
function bestBleu(history: readonly { validBleu: number }[]): number {
  return history.reduce((best, r) => Math.max(best, r.validBleu), Number.NEGATIVE_INFINITY);
}

/** Batches of one epoch as index lists: shuffled, bucketed by length within pools of 50 batches, pools shuffled. */
export function epochBatches(pairs: readonly IdPair[], batchSize: number, seed: number, epoch: number): number[][] {
  const order = permutation(pairs.length, deriveSeed(seed, 1000 + epoch));
  const batches: number[][] = [];
  const pool = batchSize * 50;
  for (let start = 0; start < order.length; start += pool) {
    const chunk = Array.from(order.subarray(start, Math.min(start + pool, order.length)));
    chunk.sort((a, b) => pairs[a]!.source.length - pairs[b]!.source.length || pairs[a]!.target.length - pairs[b]!.target.length);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  const shuffled = permutation(batches.length, deriveSeed(seed, 500_000 + epoch));
  return Array.from(shuffled, (i) => batches[i]!);
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/** A JSON file of a run directory; every error names it. */
function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new DataError(`${path}: cannot read it: ${(cause as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new DataError(`${path}: not valid JSON: ${(cause as Error).message}`);
  }
}

/** A vocabulary file written by `train`. */
function readVocabulary(path: string): Vocabulary {
  return Vocabulary.fromJSON(readJsonFile(path), path);
}

/** `run.json` of a run directory. */
function readRunFile(path: string): { options: TrainOptions; preprocessing: Preprocessing } {
  const run = readJsonFile(path) as { options?: unknown; preprocessing?: unknown } | null;
  if (typeof run !== 'object' || run === null || typeof run.options !== 'object' || run.options === null || typeof run.preprocessing !== 'object' || run.preprocessing === null) {
    throw new DataError(`${path}: not a run description (expected an object with 'options' and 'preprocessing')`);
  }
  return run as { options: TrainOptions; preprocessing: Preprocessing };
}

/** Files whose presence means `out` holds a run that a fresh start would overwrite. */
/** The model file of the epoch with the best validation BLEU so far, in the run directory. */
export const BEST_FILE = 'best.safetensors';
const RUN_FILES = ['run.json', 'checkpoint.safetensors', 'model.safetensors', BEST_FILE];

/** The model a run's options describe, sized to its vocabularies (the same in `train` and `exportRun`). */
function modelConfig(o: TrainOptions, sourceVocabulary: Vocabulary, targetVocabulary: Vocabulary): Seq2SeqConfig {
  return {
    sourceVocabSize: sourceVocabulary.size,
    targetVocabSize: targetVocabulary.size,
    embeddingSize: o.embeddingSize,
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers,
    bidirectional: o.bidirectional,
    attention: o.attention,
    ...(o.bridge ? { bridge: o.bridge } : {}),
    dropout: o.dropout,
    tieEmbeddings: o.tieEmbeddings,
    reverseSource: o.reverseSource,
    seed: o.seed,
  };
}

/** Runs (or resumes) training; returns what happened. */
export async function train(options: TrainOptions, io: TrainIo): Promise<TrainSummary> {
  const started = Date.now();
  const o = options;
  if (o.resume && o.overwrite) throw new ArgumentError('translate train', '--resume and --overwrite exclude each other: continue the run, or start it over');
  // Refuse before any work: an unwritable --out or --export found after hours of training loses the model.
  await assertWritable(o.out, { directory: true });
  if (o.export) await assertWritable(o.export);
  mkdirSync(o.out, { recursive: true });
  const runFile = join(o.out, 'run.json');
  const checkpointFile = join(o.out, 'checkpoint.safetensors');
  const existing = RUN_FILES.filter((f) => existsSync(join(o.out, f)));
  if (existing.length && !o.resume && !o.overwrite) {
    throw new ArgumentError('translate train', `${o.out} already holds a run (${existing.join(', ')}); pass --resume to continue it, --overwrite to start it over, or choose another --out`);
  }
  const resuming = o.resume && existsSync(checkpointFile);
  if (o.resume && !resuming) io.log(`no checkpoint in ${o.out}: starting from scratch`);
  // A best model of an earlier run would be exported as this one's.
  if (!resuming) rmSync(join(o.out, BEST_FILE), { force: true });
  if (resuming) {
    const saved = readRunFile(runFile) as { options: Partial<TrainOptions> };
    for (const key of FIXED) {
      if (JSON.stringify(saved.options[key] ?? null) !== JSON.stringify(o[key] ?? null)) {
        throw new Error(`--resume: option ${key} was ${JSON.stringify(saved.options[key] ?? null)} in ${runFile} but is ${JSON.stringify(o[key] ?? null)} now; use the same options (or a new --out)`);
      }
    }
  }

  // Data and vocabularies.
  const corpus = loadCorpus(o.data, { ...(o.valid ? { valid: o.valid } : {}), ...(o.sourceLanguage ? { sourceLanguage: o.sourceLanguage } : {}), ...(o.targetLanguage ? { targetLanguage: o.targetLanguage } : {}) });
  const preprocessing: Preprocessing = {
    sourceLanguage: corpus.sourceLanguage,
    targetLanguage: corpus.targetLanguage,
    lowercase: corpus.lowercase,
    tokenizer: corpus.tokenizer,
    maxSourceLength: o.maxLength,
    maxTargetLength: o.maxLength,
  };
  let tokenized = corpus.train
    .map((p) => ({ source: tokensOf(p.source, preprocessing), target: tokensOf(p.target, preprocessing) }))
    .filter((p) => p.source.length > 0 && p.target.length > 0 && p.source.length <= o.maxLength && p.target.length <= o.maxLength);
  if (tokenized.length === 0) {
    throw new DataError(`${o.data}: no training pairs left: all ${corpus.train.length} are empty on one side or longer than --max-length ${o.maxLength} tokens`);
  }
  if (o.trainLimit !== undefined && o.trainLimit < tokenized.length) {
    const pick = permutation(tokenized.length, deriveSeed(o.seed, 7)).subarray(0, o.trainLimit);
    tokenized = Array.from(pick).sort((a, b) => a - b).map((i) => tokenized[i]!);
  }
  let sourceVocabulary: Vocabulary;
  let targetVocabulary: Vocabulary;
  if (resuming) {
    sourceVocabulary = readVocabulary(join(o.out, 'source-vocab.json'));
    targetVocabulary = readVocabulary(join(o.out, 'target-vocab.json'));
  } else {
    sourceVocabulary = Vocabulary.build(tokenized.map((p) => p.source), { minFrequency: o.minFrequency, maxSize: o.sourceVocabSize });
    targetVocabulary = Vocabulary.build(tokenized.map((p) => p.target), { minFrequency: o.minFrequency, maxSize: o.targetVocabSize });
    // Atomic, and run.json last: a run directory holds a run.json only with both vocabularies.
    await writeFileAtomically(join(o.out, 'source-vocab.json'), JSON.stringify(sourceVocabulary));
    await writeFileAtomically(join(o.out, 'target-vocab.json'), JSON.stringify(targetVocabulary));
    await writeFileAtomically(runFile, JSON.stringify({ options: o, preprocessing, createdAt: new Date().toISOString() }, null, 2));
  }
  for (const [side, v] of [['source', sourceVocabulary], ['target', targetVocabulary]] as const) {
    if (v.size <= 4) io.log(`warning: the ${side} vocabulary has no words besides the 4 special tokens (is --min-freq ${o.minFrequency} too high for ${tokenized.length} pairs?): the model cannot learn anything`);
  }
  const pairs: IdPair[] = tokenized.map((p) => ({ source: sourceVocabulary.encode(p.source), target: targetVocabulary.encode(p.target) }));
  io.log(`data ${corpus.name}: ${pairs.length} training pairs (of ${corpus.train.length}; max ${o.maxLength} tokens), vocabularies ${sourceVocabulary.size} / ${targetVocabulary.size}`);

  // Model and optimizer.
  const model = new Seq2Seq(modelConfig(o, sourceVocabulary, targetVocabulary));
  const optimizer = new Adam(model, { learningRate: o.learningRate });
  let step = 0;
  let epoch = 0;
  let extra: Extra = { batchIndex: 0, epochLoss: 0, epochTokens: 0, elapsedMs: 0, history: [] };
  if (resuming) {
    const state = await loadTrainingCheckpoint(checkpointFile, { model, optimizer });
    step = state.step;
    epoch = state.epoch ?? 0;
    extra = state.extra as Extra;
    io.log(`resumed from ${checkpointFile}: step ${step}, epoch ${epoch + 1}, batch ${extra.batchIndex}`);
  }
  io.log(`model: ${model.parameterCount()} parameters, ${JSON.stringify(model.config)}`);
  const elapsedBefore = extra.elapsedMs;
  const elapsed = () => elapsedBefore + (Date.now() - started);

  const loaded: LoadedModel = { model, sourceVocabulary, targetVocabulary, preprocessing, info: {} };
  const bestFile = join(o.out, BEST_FILE);
  const runInfo = () => ({ steps: step, epochs: epoch + 1, elapsedMs: elapsed(), history: extra.history, data: corpus.name, trainingPairs: pairs.length, options: Object.fromEntries(FIXED.map((k) => [k, o[k] ?? null])) });
  const save = async () => {
    extra.elapsedMs = elapsed();
    extra.epochLoss = epochLoss;
    extra.epochTokens = epochTokens;
    await saveTrainingCheckpoint(checkpointFile, { model, optimizer, step, epoch, extra });
  };

  // Losses not read yet: [loss, target tokens, step] (read in groups: one sync per group).
  let pending: [Tensor, number, number][] = [];
  let skipped = 0;
  let windowLoss = 0;
  let windowTokens = 0;
  let epochLoss = extra.epochLoss ?? 0; // absent in checkpoints of older runs
  let epochTokens = extra.epochTokens ?? 0;
  const flush = async () => {
    if (!pending.length) return;
    const values = await readMany(pending.map(([t]) => t));
    const bad = pending.findIndex((_, i) => !Number.isFinite((values[i] as Float32Array)[0]!));
    if (bad >= 0) {
      const badStep = pending[bad]![2];
      for (const [t] of pending) t.dispose();
      pending = [];
      // Nothing is saved after this: the checkpoint on disk stays the last finite one.
      throw new NonFiniteLossError(badStep, (values[bad] as Float32Array)[0]!, 'loss');
    }
    pending.forEach(([t, n], i) => {
      const v = (values[i] as Float32Array)[0]!;
      windowLoss += v * n;
      windowTokens += n;
      epochLoss += v * n;
      epochTokens += n;
      t.dispose();
    });
    pending = [];
  };

  let stoppedEarly = false;
  const deadline = o.maxMinutes === undefined ? Number.POSITIVE_INFINITY : started + o.maxMinutes * 60_000;
  const logEvery = io.logEvery ?? 50;
  let stepsThisRun = 0;
  const runStarted = Date.now();
  io.onStepLoop?.(true);
  try {
    outer: while (epoch < o.epochs) {
      const lr = learningRateAfter(extra.history, o.learningRate, o.lrDecay ?? 1);
      if (lr !== optimizer.learningRate) io.log(`epoch ${epoch + 1}: learning rate ${lr.toPrecision(3)} (validation BLEU has not improved ${epochsWithoutImprovement(extra.history)} time(s))`);
      optimizer.learningRate = lr;
      const batches = epochBatches(pairs, o.batchSize, o.seed, epoch);
      const bar = io.progress
        ? new cliProgress.SingleBar(
            { format: `epoch ${epoch + 1}/${o.epochs} |{bar}| {value}/{total} batches | loss {loss} | ppl {ppl} | {rate} tok/s | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 50 },
            cliProgress.Presets.shades_classic,
          )
        : null;
      bar?.start(batches.length, extra.batchIndex, { loss: '-', ppl: '-', rate: '-' });
      let windowStarted = Date.now();
      for (let b = extra.batchIndex; b < batches.length; b++) {
        const batch = makeBatch(batches[b]!.map((i) => pairs[i]!), { reverseSource: o.reverseSource });
        const stepOptions = {
          seed: deriveSeed(o.seed, 1_000_000 + step),
          teacherForcing: o.teacherForcing,
          clipNorm: o.clipNorm,
          labelSmoothing: o.labelSmoothing,
          shortlist: o.shortlist,
        };
        if (o.onNonFinite === 'skip') {
          try {
            const r = await trainStepChecked(model, optimizer, batch, { ...stepOptions, step: step + 1, onNonFinite: 'skip' });
            if (r.skipped) {
              skipped++;
              io.log(`warning: step ${step + 1}: the ${Number.isFinite(r.loss) ? 'gradient norm' : 'loss'} is ${Number.isFinite(r.loss) ? r.gradientNorm : r.loss}; update skipped (${skipped} so far)`);
            } else {
              windowLoss += r.loss * batch.targetTokens;
              windowTokens += batch.targetTokens;
              epochLoss += r.loss * batch.targetTokens;
              epochTokens += batch.targetTokens;
            }
          } finally {
            batch.dispose();
          }
        } else {
          pending.push([trainStep(model, optimizer, batch, stepOptions), batch.targetTokens, step + 1]);
          batch.dispose();
        }
        step++;
        stepsThisRun++;
        extra.batchIndex = b + 1;
        if (step % 10 === 0 || b === batches.length - 1) {
          await flush();
          const mean = windowLoss / Math.max(1, windowTokens);
          const rate = windowTokens / Math.max(1e-3, (Date.now() - windowStarted) / 1000);
          bar?.update(b + 1, { loss: mean.toFixed(3), ppl: Math.exp(mean).toFixed(1), rate: rate.toFixed(0) });
          if (!bar && (step % logEvery === 0 || b === batches.length - 1)) {
            const perStep = (Date.now() - runStarted) / stepsThisRun;
            io.log(
              `epoch ${epoch + 1} batch ${b + 1}/${batches.length} step ${step} | loss ${mean.toFixed(3)} ppl ${Math.exp(mean).toFixed(1)} | ${rate.toFixed(0)} tok/s | elapsed ${formatDuration(elapsed())} | epoch ETA ${formatDuration(perStep * (batches.length - b - 1))}`,
            );
          }
          windowLoss = 0;
          windowTokens = 0;
          windowStarted = Date.now();
        }
        const stopNow = io.stopRequested?.() || (o.maxSteps !== undefined && step >= o.maxSteps) || Date.now() >= deadline;
        if (step % o.checkpointEvery === 0 || stopNow) {
          await flush();
          await save();
        }
        if (step === o.stopAfterStep) {
          // Test hook: end like a killed process (nothing saved since the last checkpoint).
          await flush();
          bar?.stop();
          model.dispose();
          return { steps: step, epochs: epoch, elapsedMs: elapsed(), stoppedEarly: true, history: extra.history, modelPath: '' };
        }
        if (stopNow) {
          bar?.stop();
          stoppedEarly = true;
          io.log(`stopping at step ${step} (${io.stopRequested?.() ? 'signal' : o.maxSteps !== undefined && step >= o.maxSteps ? '--max-steps' : '--max-minutes'}); checkpoint saved to ${checkpointFile}`);
          break outer;
        }
      }
      bar?.stop();
      await flush();
      const trainLoss = epochLoss / Math.max(1, epochTokens);
      epochLoss = 0;
      epochTokens = 0;
      const validation = await evaluate(loaded, corpus.valid, { limit: o.validSize, beamSize: 1 });
      const record: EpochRecord = { epoch: epoch + 1, step, trainLoss, validBleu: validation.bleu, validPerplexity: validation.perplexity, elapsedMs: elapsed() };
      const improved = validation.bleu > bestBleu(extra.history);
      extra.history.push(record);
      if (improved) {
        // The weights of the best epoch so far, as a model file: what --export and `export` write.
        await saveCheckpoint(bestFile, await encodeSeq2SeqModel({ ...loaded, info: runInfo() }, { dtype: 'F32' }));
      }
      io.log(
        `epoch ${epoch + 1} done at step ${step}: train loss ${trainLoss.toFixed(3)} | valid BLEU ${validation.bleu.toFixed(2)} (greedy, ${validation.sentences} sentences)${improved ? ' (best so far: best.safetensors)' : ''} | valid ppl ${validation.perplexity.toFixed(2)} | lr ${optimizer.learningRate.toPrecision(3)} | elapsed ${formatDuration(elapsed())}`,
      );
      for (const e of validation.examples.slice(0, 3)) io.log(`  ${e.source}  →  ${e.hypothesis}   [ref: ${e.reference}]`);
      epoch++;
      extra.batchIndex = 0;
      await save();
    }
    await flush();
    if (!stoppedEarly) await save();
  } catch (e) {
    // Tensors of steps not read yet would leak; the model is not saved after a failure.
    for (const [t] of pending) t.dispose();
    model.dispose();
    throw e;
  } finally {
    io.onStepLoop?.(false);
  }

  const info = { steps: step, epochs: epoch, elapsedMs: elapsed(), history: extra.history, data: corpus.name, trainingPairs: pairs.length, options: Object.fromEntries(FIXED.map((k) => [k, o[k] ?? null])) };
  const modelPath = join(o.out, 'model.safetensors');
  await saveCheckpoint(modelPath, await encodeSeq2SeqModel({ ...loaded, info }, { dtype: 'F32' }));
  if (o.export) {
    const dtype = o.int8 ? 'Q8' : o.f16 ? 'F16' : 'F32';
    // The epoch with the best validation BLEU, not necessarily the last one.
    const best = existsSync(bestFile) ? await loadModelFile(bestFile) : null;
    await saveCheckpoint(o.export, await encodeSeq2SeqModel(best ?? { ...loaded, info }, { dtype }));
    best?.model.dispose();
    io.log(`model written to ${o.export}${o.int8 ? ' (int8)' : o.f16 ? ' (float16)' : ''}${best ? ` from ${bestFile} (validation BLEU ${bestBleu(extra.history).toFixed(2)})` : ''}`);
  }
  io.log(`training ${stoppedEarly ? 'stopped' : 'finished'}: ${step} steps, ${formatDuration(elapsed())} of training time; model in ${modelPath}`);
  model.dispose();
  return { steps: step, epochs: epoch, elapsedMs: elapsed(), stoppedEarly, history: extra.history, modelPath };
}

/**
 * Writes a model file from a run directory (what `train --export` writes at the end;
 * useful when a run was stopped): by default the epoch with the best validation BLEU
 * (`best.safetensors`) when the run has one, else its last checkpoint; `last: true`
 * takes the last checkpoint.
 */
export async function exportRun(out: string, modelPath: string, options: { f16?: boolean; int8?: boolean; last?: boolean }): Promise<{ step: number; bytes: number; from: 'best' | 'last' }> {
  await assertWritable(modelPath);
  const dtype = options.int8 ? 'Q8' : options.f16 ? 'F16' : 'F32';
  const bestFile = join(out, BEST_FILE);
  if (!options.last && existsSync(bestFile)) {
    const best = await loadModelFile(bestFile);
    const bytes = await encodeSeq2SeqModel(best, { dtype });
    await saveCheckpoint(modelPath, bytes);
    best.model.dispose();
    return { step: Number((best.info as { steps?: number }).steps ?? 0), bytes: bytes.length, from: 'best' };
  }
  const run = readRunFile(join(out, 'run.json'));
  const o = run.options;
  const sourceVocabulary = readVocabulary(join(out, 'source-vocab.json'));
  const targetVocabulary = readVocabulary(join(out, 'target-vocab.json'));
  const model = new Seq2Seq(modelConfig(o, sourceVocabulary, targetVocabulary));
  const state = await loadTrainingCheckpoint(join(out, 'checkpoint.safetensors'), { model });
  const extra = state.extra as Extra;
  const info = { steps: state.step, epochs: state.epoch ?? 0, elapsedMs: extra.elapsedMs, history: extra.history, data: o.data, options: Object.fromEntries(FIXED.map((k) => [k, o[k] ?? null])) };
  const bytes = await encodeSeq2SeqModel({ model, sourceVocabulary, targetVocabulary, preprocessing: run.preprocessing, info }, { dtype });
  await saveCheckpoint(modelPath, bytes);
  model.dispose();
  return { step: state.step, bytes: bytes.length, from: 'last' };
}

export type { TextPair };
