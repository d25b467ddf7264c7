import { Adam, crossEntropyLoss, decodeTrainingState, encodeTrainingState, decodeInto, fit, type Callback, type TrainingTask } from '@cellstate/nn';
import { add, logSoftmax, mean, mul, neg, sum, tensor, type Tensor } from '@cellstate/tensor';
import { Vocabulary } from '@cellstate/text';
import { lengthBucketedBatches, makeBatch, seededRandom } from './batching.js';
import { SentimentError, type SentimentClassifier } from './classifier.js';
import { argmaxOf, computeMetrics, type EvaluationReport } from './metrics.js';
import { preprocess, resolvePreprocessOptions, type PreprocessOptions, type ResolvedPreprocessOptions } from './preprocess.js';

/** A labelled text. */
export interface LabeledText {
  text: string;
  label: string;
}

/**
 * Builds the vocabulary over preprocessed training texts: `<pad>`, `<unk>`, `<bos>`,
 * `<eos>`, then words seen at least `minFrequency` times (default 2), the most frequent
 * first, up to `maxSize` entries (default 20,000).
 */
export function buildVocabulary(texts: Iterable<string>, options: { preprocess?: PreprocessOptions | ResolvedPreprocessOptions; minFrequency?: number; maxSize?: number } = {}): Vocabulary {
  const o = resolvePreprocessOptions(options.preprocess);
  const counts = new Map<string, number>();
  for (const text of texts) for (const t of preprocess(text, o).tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  return Vocabulary.fromCounts(counts, { minFrequency: options.minFrequency ?? 2, maxSize: options.maxSize ?? 20_000 });
}

/** Per-class loss weights: `balanced` = n / (C · count), `sqrt` = its square root, normalised to mean 1. */
export function classWeightsFor(counts: readonly number[], mode: 'balanced' | 'sqrt'): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  const raw = counts.map((c) => (c === 0 ? 0 : n / (counts.length * c)));
  const w = mode === 'sqrt' ? raw.map(Math.sqrt) : raw;
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  return w.map((x) => x / mean);
}

/** One epoch's summary. */
export interface EpochSummary {
  epoch: number;
  trainLoss: number;
  validAccuracy: number;
  validMacroF1: number;
  seconds: number;
  learningRate: number;
  skippedSteps: number;
  best: boolean;
}

/** Where checkpoints go (browser-safe: IndexedDB, files, memory; `@cellstate/sentiment/node` has a file one). */
export interface CheckpointStore {
  /** `last`: the training state after each epoch (model, optimizer, progress); `best`: the best model's weights. */
  save(kind: 'last' | 'best', bytes: Uint8Array): Promise<void>;
  /** The saved bytes, or null when there are none. */
  load(kind: 'last' | 'best'): Promise<Uint8Array | null>;
}

export interface TrainOptions {
  /** Most epochs (default 20). */
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Multiply the learning rate by this after an epoch without improvement (default 0.5). */
  learningRateDecay?: number;
  weightDecay?: number;
  clipGradNorm?: number;
  /** Stop after this many epochs without a better validation macro-F1 (default 3). */
  patience?: number;
  /** `sqrt` (default), `balanced`, `none`, or one weight per label. */
  classWeights?: 'balanced' | 'sqrt' | 'none' | readonly number[];
  /** Shuffling seed (default 1). */
  seed?: number;
  /**
   * Checkpoints after each epoch; with `resume`, training continues from the last one
   * and (when that epoch was completed) ends with exactly the weights an uninterrupted
   * run would have.
   */
  checkpoints?: CheckpointStore;
  resume?: boolean;
  /**
   * A NaN or infinite loss or gradient norm: 'throw' (default) stops training with
   * @cellstate/nn's `NonFiniteLossError` naming the step, before the epoch is
   * evaluated or checkpointed; 'skip' leaves out that update (counted in
   * `skippedSteps`). Either way a model whose weights are not finite is never saved.
   */
  onNonFinite?: 'throw' | 'skip';
  /**
   * Distillation: one probability vector per training example (a teacher's, e.g. an
   * ensemble's mean probabilities), in the order of `train`. The loss becomes
   * `softTargetWeight * H(q, p) + (1 - softTargetWeight) * CE(label)`, where
   * H(q, p) = -Σ q log p is the cross-entropy against the teacher's distribution q.
   */
  softTargets?: readonly (readonly number[])[];
  /** The soft targets' share of the loss, 0..1 (default 0.5). */
  softTargetWeight?: number;
  /** Called after every step (for progress bars). */
  onStep?: (info: { epoch: number; step: number; steps: number; loss: number }) => void;
  onEpoch?: (summary: EpochSummary) => void;
  /**
   * Stops after the current step; the best model is restored as usual. An epoch cut
   * short is not evaluated, recorded or checkpointed, so `resume` redoes it from its
   * start and still ends where an uninterrupted run would.
   */
  signal?: AbortSignal;
}

export interface TrainResult {
  history: EpochSummary[];
  bestEpoch: number;
  bestMacroF1: number;
  /** Validation report of the restored best model. */
  valid: EvaluationReport;
  stoppedEarly: boolean;
  /** True when `signal` stopped training in the middle of an epoch (that epoch is not in `history`). */
  interrupted: boolean;
  resumedFromEpoch: number;
  classWeights: number[];
}

/**
 * Trains the classifier's model with Adam on `train`, measures macro-F1 on `valid`
 * after each epoch, keeps the best weights, lowers the learning rate when an epoch
 * does not improve and stops after `patience` epochs without improvement; the best
 * weights are loaded back at the end. Batches group texts of similar length. A
 * non-finite loss throws `NonFiniteLossError` naming the step (or, with
 * `onNonFinite: 'skip'`, skips the update). Unknown labels throw a
 * `SentimentError` naming the example before any training.
 *
 * @example
 * ```ts
 * const result = await trainClassifier(clf, train, valid, { epochs: 15, patience: 3, classWeights: 'sqrt' });
 * console.log(result.bestMacroF1, result.history);
 * ```
 */
export async function trainClassifier(clf: SentimentClassifier, train: readonly LabeledText[], valid: readonly LabeledText[], options: TrainOptions = {}): Promise<TrainResult> {
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 32;
  const patience = options.patience ?? 3;
  const decay = options.learningRateDecay ?? 0.5;
  const seed = options.seed ?? 1;
  if (train.length === 0) throw new SentimentError('invalid-data', 'no training examples');
  if (valid.length === 0) throw new SentimentError('invalid-data', 'no validation examples (early stopping needs some)');
  const trainY = train.map((ex, i) => clf.labelIndex(ex.label, `training example ${i + 1}`));
  const validY = valid.map((ex, i) => clf.labelIndex(ex.label, `validation example ${i + 1}`));
  const trainIds = train.map((ex) => clf.encode(ex.text).ids);
  const validIds = valid.map((ex) => clf.encode(ex.text).ids);

  const { C, classWeights, soft, alpha } = lossSetup(clf.labels.length, trainY, options);

  const model = clf.model;
  const backend = model.embedding.weight.value.backend;
  const optimizer = new Adam(model, { learningRate: options.learningRate ?? 2e-3, weightDecay: options.weightDecay ?? 0 });
  const weightTensor = tensor(classWeights, [C], { backend });

  const fingerprint = vocabularyFingerprint(clf.vocabulary.tokens);
  // What the epochs so far decided (restored from the last checkpoint on a resume).
  const run = { bestMacroF1: -1, bestEpoch: 0, badEpochs: 0, history: [] as EpochSummary[], bestWeights: null as Uint8Array | null };
  let startEpoch = 0;
  if (options.resume && options.checkpoints) {
    const last = await options.checkpoints.load('last');
    if (last) {
      // Restores the weights, Adam's state and where every dropout's mask stream stands
      // (the model's random state), so the remaining epochs draw the masks the
      // uninterrupted run would have; shuffling is seeded per epoch.
      const state = await decodeTrainingState(last, { model, optimizer, source: 'last checkpoint' }).catch((cause: Error) => {
        throw new SentimentError('invalid-data', `cannot resume: the checkpoint does not fit this model (same data, vocabulary and architecture are needed): ${cause.message}`);
      });
      const extra = (state.extra ?? {}) as { bestMacroF1?: number; bestEpoch?: number; badEpochs?: number; history?: EpochSummary[]; vocabulary?: string };
      if (extra.vocabulary !== undefined && extra.vocabulary !== fingerprint) {
        throw new SentimentError('invalid-data', `cannot resume: the checkpoint was trained with another vocabulary (fingerprint ${extra.vocabulary}, now ${fingerprint}); use the same training data and preprocessing options`);
      }
      startEpoch = state.epoch ?? 0;
      Object.assign(run, { bestMacroF1: extra.bestMacroF1 ?? -1, bestEpoch: extra.bestEpoch ?? 0, badEpochs: extra.badEpochs ?? 0, history: extra.history ?? [] });
      run.bestWeights = await options.checkpoints.load('best');
    }
  }

  const evaluateValid = async () => {
    const probs = await clf.probabilitiesOf(validIds);
    return computeMetrics(validY, probs.map((p) => argmaxOf(p)), clf.labels);
  };
  // fit's epochs are 0-based, this API's 1-based: fit epoch e is epoch e + 1 here.
  const task: TrainingTask<number[]> = {
    stepsPerEpoch: Math.ceil(trainIds.length / batchSize),
    batches: (e) => lengthBucketedBatches(trainIds.map((s) => s.length), batchSize, seededRandom(seed * 1000 + e + 1)),
    loss: (idx) => {
      const batch = makeBatch(idx.map((i) => trainIds[i]!), backend);
      const labels = tensor(idx.map((i) => trainY[i]!), [idx.length], { dtype: 'int32', backend });
      const logits = model.forward(batch);
      if (!soft) return crossEntropyLoss(logits, labels, { weight: weightTensor });
      const q = tensor(idx.flatMap((i) => [...soft[i]!]), [idx.length, C], { backend });
      const softLoss: Tensor = mean(neg(sum(mul(q, logSoftmax(logits, -1)), -1)));
      if (alpha === 1) return softLoss;
      return add(mul(softLoss, alpha), mul(crossEntropyLoss(logits, labels, { weight: weightTensor }), 1 - alpha));
    },
  };
  const plateau = plateauCallback(run, { patience, decay, fingerprint, evaluateValid, encodeBest: () => clf.encodeWeights({ dtype: 'F32' }), options });

  try {
    if (run.badEpochs < patience && startEpoch < epochs) {
      await fit(model, task, {
        epochs,
        initialEpoch: startEpoch,
        optimizer,
        clipGradNorm: options.clipGradNorm ?? 5,
        onNonFinite: options.onNonFinite ?? 'throw',
        callbacks: [plateau],
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    if (run.bestWeights) await decodeInto(model, run.bestWeights, { source: 'best weights' });
    const validReport = await evaluateValid();
    return {
      history: run.history,
      bestEpoch: run.bestEpoch,
      bestMacroF1: Math.max(run.bestMacroF1, 0),
      valid: validReport,
      stoppedEarly: run.badEpochs >= patience,
      interrupted: plateau.interrupted,
      resumedFromEpoch: startEpoch,
      classWeights,
    };
  } finally {
    weightTensor.dispose();
    optimizer.dispose();
    model.eval();
  }
}

/** The state `plateauCallback` moves on: the best epoch so far, epochs without a better one, the history. */
interface PlateauState {
  bestMacroF1: number;
  bestEpoch: number;
  badEpochs: number;
  history: EpochSummary[];
  bestWeights: Uint8Array | null;
}

/**
 * After each epoch: validation macro-F1, the best weights kept (and saved), the learning
 * rate lowered when the epoch did not improve, the summary, the 'last' checkpoint, and
 * a stop after `patience` epochs without improvement. `interrupted` says a stop came
 * inside an epoch (which is then not recorded, so a resume redoes it).
 */
function plateauCallback(
  run: PlateauState,
  c: { patience: number; decay: number; fingerprint: string; evaluateValid: () => Promise<EvaluationReport>; encodeBest: () => Promise<Uint8Array>; options: TrainOptions },
): Callback & { readonly interrupted: boolean } {
  let started = 0;
  let batchesRun = 0;
  let skipped = 0;
  let step = 0;
  let epochs = 0;
  let current = 0;
  return {
    get interrupted() {
      return batchesRun > 0;
    },
    onEpochBegin(e, context) {
      current = e + 1;
      started = Date.now();
      batchesRun = 0;
      skipped = 0;
      epochs = context.epochs;
    },
    onBatchEnd(b, logs, context) {
      batchesRun++;
      step = logs.step;
      if (logs.skipped) skipped++;
      c.options.onStep?.({ epoch: current, step: b + 1, steps: context.stepsPerEpoch, loss: logs.loss });
    },
    async onEpochEnd(e, logs, context) {
      batchesRun = 0;
      const epoch = e + 1;
      const report = await c.evaluateValid();
      const improved = report.macroF1 > run.bestMacroF1;
      if (improved) {
        Object.assign(run, { bestMacroF1: report.macroF1, bestEpoch: epoch, badEpochs: 0 });
        run.bestWeights = await c.encodeBest();
        await c.options.checkpoints?.save('best', run.bestWeights);
      } else {
        run.badEpochs++;
        context.optimizer.learningRate = context.optimizer.learningRate * c.decay;
      }
      const summary: EpochSummary = {
        epoch,
        trainLoss: logs.loss!,
        validAccuracy: report.accuracy,
        validMacroF1: report.macroF1,
        seconds: (Date.now() - started) / 1000,
        learningRate: context.optimizer.learningRate,
        skippedSteps: skipped,
        best: improved,
      };
      run.history.push(summary);
      c.options.onEpoch?.(summary);
      if (c.options.checkpoints) {
        const extra = { vocabulary: c.fingerprint, bestMacroF1: run.bestMacroF1, bestEpoch: run.bestEpoch, badEpochs: run.badEpochs, history: run.history.map((h) => ({ ...h, trainLoss: Number.isFinite(h.trainLoss) ? h.trainLoss : null })) };
        await c.options.checkpoints.save('last', await encodeTrainingState({ model: context.model, optimizer: context.optimizer, step, epoch, extra }));
      }
      if (run.badEpochs >= c.patience && epoch < epochs) context.stop(`early stopping: macro-F1 has not improved for ${c.patience} epochs`);
    },
  };
}

/** Class weights and soft targets of the loss, checked against the labels and the training set. */
function lossSetup(C: number, trainY: readonly number[], options: TrainOptions): { C: number; classWeights: number[]; soft: TrainOptions['softTargets']; alpha: number } {
  const counts = new Array<number>(C).fill(0);
  for (const y of trainY) counts[y]!++;
  const cw = options.classWeights ?? 'sqrt';
  const classWeights = Array.isArray(cw) ? [...cw] : cw === 'none' ? new Array<number>(C).fill(1) : classWeightsFor(counts, cw as 'balanced' | 'sqrt');
  if (classWeights.length !== C) throw new SentimentError('invalid-argument', `classWeights has ${classWeights.length} entries for ${C} labels`);

  const soft = options.softTargets;
  const alpha = soft ? (options.softTargetWeight ?? 0.5) : 0;
  if (soft) {
    if (soft.length !== trainY.length) throw new SentimentError('invalid-argument', `softTargets has ${soft.length} entries for ${trainY.length} training examples`);
    soft.forEach((q, i) => {
      if (q.length !== C || q.some((x) => !(x >= 0 && x <= 1))) throw new SentimentError('invalid-argument', `softTargets[${i}] must hold ${C} probabilities`);
    });
    if (!(alpha >= 0 && alpha <= 1)) throw new SentimentError('invalid-argument', `softTargetWeight must be in [0, 1], got ${alpha}`);
  }
  return { C, classWeights, soft, alpha };
}

/** Size and FNV-1a hash of the token list: a checkpoint only resumes on the same vocabulary. */
function vocabularyFingerprint(tokens: readonly string[]): string {
  let h = 0x811c9dc5;
  for (const t of tokens) {
    for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ 0x0a, 0x01000193) >>> 0;
  }
  return `${tokens.length}:${h.toString(16).padStart(8, '0')}`;
}
