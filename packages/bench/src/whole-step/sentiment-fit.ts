/**
 * W7FIT: W7 (sentiment-step.ts) through `fit` from @cellstate/nn instead of the
 * hand-written loop: the same shipped model with the same fresh seeded weights, the same
 * Adam (betas, epsilon, weight decay), clip 5, class-weighted cross-entropy and
 * `onNonFinite: 'skip'`, and the same 20 real batches in the same cycle order
 * (`shuffle: false`, batch size 32 over the batches' examples laid end to end).
 *
 * What differs is what `fit` does for a user: the data are plain samples
 * (`{ x: token ids, y: label }`) that `fit` batches and collates (pads, lengths) every
 * step, and the model is the classifier behind a one-line adapter, the `forward(x,
 * { lengths })` `fit` calls (cast the padded ids to int32, time-major). The step times
 * are taken inside `fit` (a callback marks the end of every batch), so everything `fit`
 * does between two updates, epoch boundaries included, counts; the timing rule is
 * `timeIt`'s (warm-ups, then the median of the timed steps).
 */
import { Adam, Dataset, Module, crossEntropyLoss, fit, type Callback, type FitContext, type History } from '@cellstate/nn';
import { SentimentClassifier, type SentimentModel } from '@cellstate/sentiment';
import { cast, memory, tensor, transpose, type Backend, type Tensor } from '@cellstate/tensor';
import { Vocabulary } from '@cellstate/text';
import { median, type Timing, type TimingPlan } from '../timing.js';
import { meanStepFlops, readShippedModel, sentimentBatches } from './sentiment-data.js';

/** The classifier as `fit` calls it: padded ids [B, T] (float32, from `collate`) and their lengths. */
class FitAdapter extends Module {
  readonly net: SentimentModel;
  constructor(net: SentimentModel) {
    super();
    this.net = this.addModule('net', net);
  }
  forward(x: Tensor, options?: { lengths?: number[] }): Tensor {
    const ids = cast(transpose(x), 'int32'); // [T, B], as makeBatch lays them out
    return this.net.forward({ ids, lengths: options?.lengths ?? new Array<number>(x.shape[0]!).fill(x.shape[1]!) });
  }
}

export interface SentimentFitRun {
  timing: Timing;
  /** Mean time of the timed steps in seconds (epoch boundaries spread over their epoch). */
  meanSec: number;
  sequencesPerStep: number;
  flopsPerStep: number;
  parameters: number;
  /** Epochs `fit` began (over the 20 batches) and the loss of its last step. */
  epochs: number;
  lastLoss: number;
  /** Live tensor bytes after the timed steps, before the model is released (W7's `bytes_in_use`). */
  bytesInUse: number;
}

/** W7's model, optimizer and data, set up for `fit`. */
export interface SentimentFit {
  /** Runs `fit` over the 20 batches, epoch after epoch, until a callback stops it. */
  run(callbacks: Callback[]): Promise<History>;
  sequencesPerStep: number;
  flopsPerStep: number;
  parameters: number;
  backend: Backend;
  dispose(): void;
}

/** Builds the shipped classifier (fresh seeded weights, as W7) and its `fit` options. */
export function sentimentFit(): SentimentFit {
  const file = sentimentBatches();
  const shipped = readShippedModel();
  const { vocabSize: _v, numLabels: _n, ...config } = file.modelConfig;
  void _v;
  void _n;
  const clf = SentimentClassifier.create({ labels: file.labels, vocabulary: Vocabulary.fromJSON(shipped.vocabulary), preprocess: file.preprocess, model: config });
  const model = new FitAdapter(clf.model);
  const backend = clf.model.embedding.weight.value.backend;
  const t = file.training;
  const optimizer = new Adam(model, { learningRate: t.learningRate, beta1: t.beta1, beta2: t.beta2, epsilon: t.epsilon, weightDecay: t.weightDecay });
  const weight = tensor(file.classWeights, [file.labels.length], { backend });
  // The examples of the 20 batches end to end: unshuffled batches of 32 are exactly W7's batches, in W7's order.
  const samples = file.batches.flatMap((b) => b.ids.map((ids, j) => ({ x: ids.length ? ids : [b.padded[j]![0]!], y: b.labels[j]! })));
  const data = Dataset.from(samples);
  return {
    run: (callbacks) =>
      fit(model, data, {
        epochs: Number.MAX_SAFE_INTEGER,
        batchSize: file.spec.batchSize,
        shuffle: false,
        loss: (prediction, labels) => crossEntropyLoss(prediction, cast(labels, 'int32'), { weight }),
        optimizer,
        clipGradNorm: t.clipGradNorm,
        onNonFinite: 'skip',
        callbacks,
      }),
    sequencesPerStep: file.spec.batchSize,
    flopsPerStep: meanStepFlops(file),
    parameters: clf.model.parameters().reduce((n, p) => n + p.value.size, 0),
    backend,
    dispose: () => {
      weight.dispose();
      optimizer.dispose();
      clf.dispose();
    },
  };
}

/** Runs `fit` until `plan` is satisfied (as `timeIt` would be), then stops it from a callback. */
export async function sentimentFitRun(plan: TimingPlan): Promise<SentimentFitRun> {
  const setup = sentimentFit();
  const times: number[] = [];
  let warm = 0;
  let mark = 0;
  let timedStart = 0;
  let epochs = 0;
  let lastLoss = Number.NaN;
  let skipped: Timing['skipped'];
  let bytesInUse = 0;
  const timer: Callback = {
    onTrainBegin: () => {
      mark = performance.now();
    },
    onEpochBegin: () => {
      epochs++;
    },
    onBatchEnd: (_batch, logs, context: FitContext) => {
      const now = performance.now();
      const dt = (now - mark) / 1000;
      mark = now;
      lastLoss = logs.loss;
      if (warm < plan.warmup) {
        if (warm === 0 && dt > plan.skipOverSec) {
          skipped = { firstIterSec: dt };
          context.stop('skipped');
        }
        warm++;
        if (warm === plan.warmup) timedStart = now;
        return;
      }
      times.push(dt);
      const elapsed = (now - timedStart) / 1000;
      if (times.length >= plan.maxIters || (times.length >= plan.minIters && elapsed >= plan.targetSec) || elapsed >= plan.maxSec) context.stop('timed');
    },
  };
  try {
    if (plan.warmup === 0) timedStart = performance.now();
    await setup.run([timer]);
    await setup.backend.sync();
    bytesInUse = memory().bytesInUse;
  } finally {
    setup.dispose();
  }
  const timing: Timing = skipped
    ? { medianSec: skipped.firstIterSec, minSec: skipped.firstIterSec, maxSec: skipped.firstIterSec, iters: 0, skipped }
    : { medianSec: median(times), minSec: Math.min(...times), maxSec: Math.max(...times), iters: times.length };
  return {
    timing,
    meanSec: times.length ? times.reduce((a, b) => a + b, 0) / times.length : Number.NaN,
    sequencesPerStep: setup.sequencesPerStep,
    flopsPerStep: setup.flopsPerStep,
    parameters: setup.parameters,
    epochs,
    lastLoss,
    bytesInUse,
  };
}
