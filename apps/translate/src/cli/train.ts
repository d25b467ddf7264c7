/**
 * `translate train`: data → vocabularies → batches → Adam steps, with checkpoints that
 * hold everything needed to continue exactly: parameters, Adam moments and step, the
 * epoch and the position in the epoch's batch order. Every random decision (data order
 * per epoch, dropout masks and teacher-forcing coins per step) is derived from
 * (seed, epoch) or (seed, step), so `--resume` after a kill replays the same run.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Adam, deriveSeed, fit, type Callback, type TrainingTask } from '@cellstate/nn';
import { assertWritable, loadTrainingCheckpoint, saveCheckpoint, saveTrainingCheckpoint, writeFileAtomically } from '@cellstate/nn/node';
import { encodeSeq2SeqModel, makeBatch, permutation, Seq2Seq, type IdPair, type LoadedModel, type Preprocessing } from '@cellstate/seq2seq';
import { ArgumentError } from '@cellstate/tensor';
import { Vocabulary } from '@cellstate/text';
import cliProgress from 'cli-progress';
import { DataError, loadCorpus, spreadSample, type TextPair } from './data.js';
import { evaluate } from './evaluate.js';
import { loadModelFile } from './model-io.js';
import { tokensOf } from '../preprocess.js';
import { BEST_FILE, readRunFile, readVocabulary, RUN_FILES, type EpochRecord, type Extra } from './run-directory.js';
import { fileDType, FIXED, modelConfig, type TrainOptions } from './train-options.js';

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

/** The corpus, its pairs as ids and the vocabularies that encode them. */
interface TrainingData {
  corpus: ReturnType<typeof loadCorpus>;
  preprocessing: Preprocessing;
  sourceVocabulary: Vocabulary;
  targetVocabulary: Vocabulary;
  pairs: IdPair[];
  /** The `--init` model on a fresh start: its weights are copied into the new model. */
  init?: LoadedModel;
}

/** The losses of the steps so far, as sums weighted by target tokens. */
interface LossTally {
  skipped: number;
  windowLoss: number;
  windowTokens: number;
  epochLoss: number;
  epochTokens: number;
}

/** A run in progress: what the steps read, and the position they move (saved in checkpoints). */
interface Run {
  readonly o: TrainOptions;
  readonly io: TrainIo;
  readonly data: TrainingData;
  readonly model: Seq2Seq;
  readonly optimizer: Adam;
  readonly loaded: LoadedModel;
  readonly checkpointFile: string;
  readonly bestFile: string;
  /** Training time of this run and the runs it resumes, in ms. */
  readonly elapsed: () => number;
  step: number;
  epoch: number;
  extra: Extra;
  readonly tally: LossTally;
}

/** When to stop and how often to log, over every epoch of this process. */
interface Pace {
  readonly deadline: number;
  readonly logEvery: number;
  readonly runStarted: number;
  stepsThisRun: number;
}

/**
 * Checks the options against `o.out` (refusing before any work: an unwritable --out or
 * --export found after hours of training loses the model) and prepares it; returns
 * whether the run resumes from a checkpoint there.
 */
async function openRunDirectory(o: TrainOptions, io: TrainIo): Promise<boolean> {
  if (o.resume && o.overwrite) throw new ArgumentError('translate train', '--resume and --overwrite exclude each other: continue the run, or start it over');
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
  return resuming;
}

/** The training pairs and vocabularies: the vocabularies built and written on a fresh start, read back on a resume. */
async function prepareData(o: TrainOptions, io: TrainIo, resuming: boolean): Promise<TrainingData> {
  const runFile = join(o.out, 'run.json');
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
  const init = o.init && !resuming ? await initialModel(o, preprocessing) : undefined;
  if (resuming) {
    sourceVocabulary = readVocabulary(join(o.out, 'source-vocab.json'));
    targetVocabulary = readVocabulary(join(o.out, 'target-vocab.json'));
  } else {
    sourceVocabulary = init?.sourceVocabulary ?? Vocabulary.build(tokenized.map((p) => p.source), { minFrequency: o.minFrequency, maxSize: o.sourceVocabSize });
    targetVocabulary = init?.targetVocabulary ?? Vocabulary.build(tokenized.map((p) => p.target), { minFrequency: o.minFrequency, maxSize: o.targetVocabSize });
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
  if (init) io.log(`initialised from ${o.init} (its vocabularies and weights)`);
  return { corpus, preprocessing, sourceVocabulary, targetVocabulary, pairs, ...(init ? { init } : {}) };
}

/**
 * The `--init` model file, checked against the run's options: a model of another shape or
 * preprocessing would train on silently with mismatched weights or tokens, so every
 * difference is named in one error.
 */
async function initialModel(o: TrainOptions, preprocessing: Preprocessing): Promise<LoadedModel> {
  const loaded = await loadModelFile(o.init!);
  const c = loaded.model.config;
  const wanted = { embeddingSize: o.embeddingSize, hiddenSize: o.hiddenSize, numLayers: o.numLayers, bidirectional: o.bidirectional, attention: o.attention, tieEmbeddings: o.tieEmbeddings, reverseSource: o.reverseSource };
  const differences = Object.entries(wanted)
    .filter(([key, value]) => (c as unknown as Record<string, unknown>)[key] !== value)
    .map(([key, value]) => `${key} ${JSON.stringify((c as unknown as Record<string, unknown>)[key])} in the file, ${JSON.stringify(value)} in the options`);
  if (o.bridge !== undefined && c.bridge !== o.bridge) differences.push(`bridge ${JSON.stringify(c.bridge ?? null)} in the file, ${JSON.stringify(o.bridge)} in the options`);
  const p = loaded.preprocessing;
  for (const key of ['sourceLanguage', 'targetLanguage', 'lowercase', 'tokenizer'] as const) {
    if (JSON.stringify(p[key]) !== JSON.stringify(preprocessing[key])) differences.push(`${key} ${JSON.stringify(p[key])} in the file, ${JSON.stringify(preprocessing[key])} for this data`);
  }
  if (differences.length) {
    loaded.model.dispose();
    throw new ArgumentError('translate train', `--init ${o.init} does not match this run: ${differences.join('; ')}`);
  }
  return loaded;
}

/** The model and optimizer, and the position in the run: from the checkpoint when resuming. */
async function startRun(o: TrainOptions, io: TrainIo, resuming: boolean, data: TrainingData, started: number): Promise<Run> {
  const checkpointFile = join(o.out, 'checkpoint.safetensors');
  const model = new Seq2Seq(modelConfig(o, data.sourceVocabulary, data.targetVocabulary));
  const optimizer = new Adam(model, { learningRate: o.learningRate });
  let step = 0;
  let epoch = 0;
  let extra: Extra = { batchIndex: 0, epochLoss: 0, epochTokens: 0, elapsedMs: 0, history: [] };
  if (data.init) {
    // The new model takes the file's tensors over (the file's model is not used again).
    model.loadStateDict(data.init.model.stateDict());
  }
  if (resuming) {
    const state = await loadTrainingCheckpoint(checkpointFile, { model, optimizer });
    step = state.step;
    epoch = state.epoch ?? 0;
    extra = state.extra as Extra;
    io.log(`resumed from ${checkpointFile}: step ${step}, epoch ${epoch + 1}, batch ${extra.batchIndex}`);
  }
  io.log(`model: ${model.parameterCount()} parameters, ${JSON.stringify(model.config)}`);
  const elapsedBefore = extra.elapsedMs;
  const { sourceVocabulary, targetVocabulary, preprocessing } = data;
  return {
    o,
    io,
    data,
    model,
    optimizer,
    loaded: { model, sourceVocabulary, targetVocabulary, preprocessing, info: {} },
    checkpointFile,
    bestFile: join(o.out, BEST_FILE),
    elapsed: () => elapsedBefore + (Date.now() - started),
    step,
    epoch,
    extra,
    // epochLoss and epochTokens are absent in checkpoints of older runs.
    tally: { skipped: 0, windowLoss: 0, windowTokens: 0, epochLoss: extra.epochLoss ?? 0, epochTokens: extra.epochTokens ?? 0 },
  };
}

/** What a model file written by `train` says about its run. */
function runInfo(run: Run, epochs: number) {
  const { o } = run;
  return { steps: run.step, epochs, elapsedMs: run.elapsed(), history: run.extra.history, data: run.data.corpus.name, trainingPairs: run.data.pairs.length, options: Object.fromEntries(FIXED.map((k) => [k, o[k] ?? null])) };
}

async function save(run: Run): Promise<void> {
  const { extra, tally } = run;
  extra.elapsedMs = run.elapsed();
  extra.epochLoss = tally.epochLoss;
  extra.epochTokens = tally.epochTokens;
  await saveTrainingCheckpoint(run.checkpointFile, { model: run.model, optimizer: run.optimizer, step: run.step, epoch: run.epoch, extra });
}

/** The last validation's sample translations and size, for the epoch's log lines. */
interface LastValidation {
  examples: { source: string; hypothesis: string; reference: string }[];
  sentences: number;
}

/**
 * The run as a `fit` task: epoch e's batches are `epochBatches(…, e)`, step s draws its
 * dropout masks and teacher-forcing coins from (seed, s), a batch's loss weighs by its
 * target tokens, and validation is greedy BLEU and perplexity on `--valid-size` sources.
 */
function trainingTask(run: Run, validation: LastValidation): TrainingTask<number[]> {
  const { o, data, model } = run;
  const targetTokens = (ids: readonly number[]) => ids.reduce((n, i) => n + data.pairs[i]!.target.length + 1, 0);
  return {
    stepsPerEpoch: Math.ceil(data.pairs.length / o.batchSize),
    batches: (epoch) => epochBatches(data.pairs, o.batchSize, o.seed, epoch),
    // Inside the step's scope: the batch tensors are released with the rest of the step.
    loss: (ids, { step }) =>
      model.loss(makeBatch(ids.map((i) => data.pairs[i]!), { reverseSource: o.reverseSource }), {
        seed: deriveSeed(o.seed, 1_000_000 + step),
        teacherForcing: o.teacherForcing,
        labelSmoothing: o.labelSmoothing,
        shortlist: o.shortlist,
      }).loss,
    weight: targetTokens,
    validate: async () => {
      const v = await evaluate(run.loaded, spreadSample(data.corpus.valid, o.validSize), { beamSize: 1 });
      Object.assign(validation, { examples: v.examples, sentences: v.sentences });
      return { val_bleu: v.bleu, val_perplexity: v.perplexity };
    },
  };
}

/** After an epoch's last step: its record, the best model so far, the log, a checkpoint at the next epoch's start. */
async function endEpoch(run: Run, bleu: number, perplexity: number, validation: LastValidation): Promise<void> {
  const { o, io, extra, tally } = run;
  const trainLoss = tally.epochLoss / Math.max(1, tally.epochTokens);
  tally.epochLoss = 0;
  tally.epochTokens = 0;
  const record: EpochRecord = { epoch: run.epoch + 1, step: run.step, trainLoss, validBleu: bleu, validPerplexity: perplexity, elapsedMs: run.elapsed() };
  const improved = bleu > bestBleu(extra.history);
  extra.history.push(record);
  if (improved) {
    // The weights of the best epoch so far, as a model file: what --export and `export` write.
    await saveCheckpoint(run.bestFile, await encodeSeq2SeqModel({ ...run.loaded, info: runInfo(run, run.epoch + 1) }, { dtype: 'F32' }));
  }
  io.log(
    `epoch ${run.epoch + 1} done at step ${run.step}: train loss ${trainLoss.toFixed(3)} | valid BLEU ${bleu.toFixed(2)} (greedy, ${validation.sentences} sentences)${improved ? ' (best so far: best.safetensors)' : ''} | valid ppl ${perplexity.toFixed(2)} | lr ${run.optimizer.learningRate.toPrecision(3)} | elapsed ${formatDuration(run.elapsed())}`,
  );
  for (const e of validation.examples.slice(0, 3)) io.log(`  ${e.source}  →  ${e.hypothesis}   [ref: ${e.reference}]`);
  run.epoch++;
  extra.batchIndex = 0;
  await save(run);
}

/**
 * What `train` adds to `fit`: the plateau learning rate per epoch, the progress bar or
 * log lines, checkpoints every `--checkpoint-every` steps, the stop conditions (signal,
 * `--max-steps`, `--max-minutes`, each with a checkpoint), and the epoch's end.
 */
function runCallback(run: Run, pace: Pace, validation: LastValidation): Callback & { readonly killed: boolean } {
  const { o, io, optimizer, extra, tally } = run;
  let bar: cliProgress.SingleBar | null = null;
  let windowStarted = 0;
  let killed = false;
  return {
    get killed() {
      return killed;
    },
    onEpochBegin(epoch, context) {
      run.epoch = epoch;
      const lr = learningRateAfter(extra.history, o.learningRate, o.lrDecay ?? 1);
      if (lr !== optimizer.learningRate) io.log(`epoch ${epoch + 1}: learning rate ${lr.toPrecision(3)} (validation BLEU has not improved ${epochsWithoutImprovement(extra.history)} time(s))`);
      optimizer.learningRate = lr;
      bar = io.progress
        ? new cliProgress.SingleBar(
            { format: `epoch ${epoch + 1}/${o.epochs} |{bar}| {value}/{total} batches | loss {loss} | ppl {ppl} | {rate} tok/s | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 50 },
            cliProgress.Presets.shades_classic,
          )
        : null;
      bar?.start(context.stepsPerEpoch, extra.batchIndex, { loss: '-', ppl: '-', rate: '-' });
      windowStarted = Date.now();
    },
    async onBatchEnd(b, logs, context) {
      const step = (run.step = logs.step);
      const last = b === context.stepsPerEpoch - 1;
      pace.stepsThisRun++;
      extra.batchIndex = b + 1;
      if (logs.skipped) {
        tally.skipped++;
        const what = Number.isFinite(logs.loss) ? `gradient norm is ${logs.gradientNorm}` : `loss is ${logs.loss}`;
        io.log(`warning: step ${step}: the ${what}; update skipped (${tally.skipped} so far)`);
      } else {
        for (const key of ['window', 'epoch'] as const) {
          tally[`${key}Loss`] += logs.loss * logs.weight;
          tally[`${key}Tokens`] += logs.weight;
        }
      }
      if (step % 10 === 0 || last) {
        const mean = tally.windowLoss / Math.max(1, tally.windowTokens);
        const rate = tally.windowTokens / Math.max(1e-3, (Date.now() - windowStarted) / 1000);
        bar?.update(b + 1, { loss: mean.toFixed(3), ppl: Math.exp(mean).toFixed(1), rate: rate.toFixed(0) });
        if (!bar && (step % pace.logEvery === 0 || last)) {
          const perStep = (Date.now() - pace.runStarted) / pace.stepsThisRun;
          io.log(
            `epoch ${run.epoch + 1} batch ${b + 1}/${context.stepsPerEpoch} step ${step} | loss ${mean.toFixed(3)} ppl ${Math.exp(mean).toFixed(1)} | ${rate.toFixed(0)} tok/s | elapsed ${formatDuration(run.elapsed())} | epoch ETA ${formatDuration(perStep * (context.stepsPerEpoch - b - 1))}`,
          );
        }
        tally.windowLoss = 0;
        tally.windowTokens = 0;
        windowStarted = Date.now();
      }
      // A step's awaits resolve as microtasks on the CPU backend: without a macrotask turn the
      // signal handlers behind stopRequested would wait for the next checkpoint's file write.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const signal = io.stopRequested?.() === true;
      const reason = signal ? 'signal' : o.maxSteps !== undefined && step >= o.maxSteps ? '--max-steps' : Date.now() >= pace.deadline ? '--max-minutes' : undefined;
      if (step % o.checkpointEvery === 0 || reason) await save(run);
      if (step === o.stopAfterStep) {
        // Test hook: end like a killed process (nothing saved since the last checkpoint).
        killed = true;
        bar?.stop();
        context.stop('killed');
      } else if (reason) {
        bar?.stop();
        io.log(`stopping at step ${step} (${reason}); checkpoint saved to ${run.checkpointFile}`);
        context.stop(reason);
      }
    },
    async onEpochEnd(_epoch, logs) {
      bar?.stop();
      if (killed) return;
      await endEpoch(run, logs.val_bleu!, logs.val_perplexity!, validation);
    },
  };
}

/** Writes model.safetensors (and the --export file, from the best epoch) and disposes the model; returns the model's path. */
async function writeModels(run: Run, stoppedEarly: boolean): Promise<string> {
  const { o, io, loaded, bestFile } = run;
  const info = runInfo(run, run.epoch);
  const modelPath = join(o.out, 'model.safetensors');
  await saveCheckpoint(modelPath, await encodeSeq2SeqModel({ ...loaded, info }, { dtype: 'F32' }));
  if (o.export) {
    const dtype = fileDType(o);
    // The epoch with the best validation BLEU, not necessarily the last one.
    const best = existsSync(bestFile) ? await loadModelFile(bestFile) : null;
    await saveCheckpoint(o.export, await encodeSeq2SeqModel(best ?? { ...loaded, info }, { dtype }));
    best?.model.dispose();
    io.log(`model written to ${o.export}${o.int4 ? ' (4-bit)' : o.int8 ? ' (int8)' : o.f16 ? ' (float16)' : ''}${best ? ` from ${bestFile} (validation BLEU ${bestBleu(run.extra.history).toFixed(2)})` : ''}`);
  }
  io.log(`training ${stoppedEarly ? 'stopped' : 'finished'}: ${run.step} steps, ${formatDuration(run.elapsed())} of training time; model in ${modelPath}`);
  run.model.dispose();
  return modelPath;
}

/** Runs (or resumes) training; returns what happened. */
export async function train(options: TrainOptions, io: TrainIo): Promise<TrainSummary> {
  const started = Date.now();
  const o = options;
  const resuming = await openRunDirectory(o, io);
  const data = await prepareData(o, io, resuming);
  const run = await startRun(o, io, resuming, data, started);
  const pace: Pace = { deadline: o.maxMinutes === undefined ? Number.POSITIVE_INFINITY : started + o.maxMinutes * 60_000, logEvery: io.logEvery ?? 50, stepsThisRun: 0, runStarted: Date.now() };
  const validation: LastValidation = { examples: [], sentences: 0 };
  const task = trainingTask(run, validation);
  const callback = runCallback(run, pace, validation);
  let stopReason: string | undefined;
  io.onStepLoop?.(true);
  try {
    if (run.extra.batchIndex >= task.stepsPerEpoch) {
      // A checkpoint written after an epoch's last step but before its end (older runs).
      const logs = await task.validate!(run.epoch);
      await endEpoch(run, logs.val_bleu!, logs.val_perplexity!, validation);
    }
    const history = await fit(run.model, task, {
      epochs: o.epochs,
      initialStep: run.epoch * task.stepsPerEpoch + run.extra.batchIndex,
      optimizer: run.optimizer,
      ...(o.clipNorm > 0 && Number.isFinite(o.clipNorm) ? { clipGradNorm: o.clipNorm } : {}),
      // 'stop' ends the run with the error: nothing is saved after a non-finite step, so
      // the checkpoint on disk stays the last finite one.
      onNonFinite: o.onNonFinite === 'skip' ? 'skip' : 'throw',
      callbacks: [callback],
    });
    stopReason = history.stopReason;
  } catch (e) {
    run.model.dispose();
    throw e;
  } finally {
    io.onStepLoop?.(false);
  }
  if (callback.killed) {
    run.model.dispose();
    return { steps: run.step, epochs: run.epoch, elapsedMs: run.elapsed(), stoppedEarly: true, history: run.extra.history, modelPath: '' };
  }
  const stoppedEarly = stopReason !== undefined;
  const modelPath = await writeModels(run, stoppedEarly);
  return { steps: run.step, epochs: run.epoch, elapsedMs: run.elapsed(), stoppedEarly, history: run.extra.history, modelPath };
}

export type { TextPair };
