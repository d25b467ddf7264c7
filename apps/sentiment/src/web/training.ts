/**
 * The web page's training module, run inside a Web Worker by `./train.worker.ts`
 * (`@cellstate/worker`'s loop style, on `fitInWorker`): `train` rebuilds the classifier
 * the page prepared (architecture, vocabulary and initial weights come in `options`) and
 * runs `fit` on a task whose steps are Adam steps on length-bucketed batches. Batches are
 * a function of the epoch (seeded shuffle per epoch), so a run resumed from a
 * checkpoint continues with the same batches. At the end of each epoch the validation
 * texts are classified and their accuracy and macro-F1 join the step's metrics.
 *
 * Browser-safe; the unit test runs the same module in Node.
 */
import '@cellstate/backend-cpu';
import { Adam, crossEntropyLoss, type BatchLogs, type TrainingTask } from '@cellstate/nn';
import { argmax, keep, noGrad, tensor, type Tensor } from '@cellstate/tensor';
import {
  SentimentClassifier,
  argmaxOf,
  classWeightsFor,
  computeMetrics,
  lengthBucketedBatches,
  makeBatch,
  seededRandom,
  type ClassifierJSON,
  type LabeledText,
} from '@cellstate/sentiment';
import { fitInWorker, type TrainLoopContext } from '@cellstate/worker/runtime';

/** What the page sends to the worker (structured-clone data). */
export interface WebTrainingOptions {
  /** `SentimentClassifier.toJSON()` of the page's new classifier: labels, preprocessing, architecture, vocabulary. */
  classifier: ClassifierJSON;
  /** Its initial weights (`encodeWeights({ dtype: 'F32' })`), so both threads start from the same model. */
  weights: Uint8Array;
  train: LabeledText[];
  valid: LabeledText[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Gradient-norm clipping (default 5). */
  clipGradNorm?: number;
  /** Class weights in the loss: `sqrt` of balanced (default, as the CLI) or `none`. */
  classWeights?: 'sqrt' | 'none';
  /** Seed of the batch order (default 1). */
  seed?: number;
}

/** The metrics each step reports (the validation ones are the latest epoch end's; absent before the first). */
export interface WebTrainingMetrics {
  batchAccuracy: number;
  validAccuracy?: number;
  validMacroF1?: number;
  /** The step after which they were measured (an epoch's last). */
  validStep?: number;
}

export async function train(context: TrainLoopContext): Promise<void> {
  const o = context.options as WebTrainingOptions;
  if (!o || !o.classifier || !(o.weights instanceof Uint8Array)) throw new Error('training options: classifier and weights are required');
  if (!o.train?.length) throw new Error('no training examples');
  const clf = await SentimentClassifier.load(o.classifier, o.weights, 'page classifier');
  const model = clf.model;
  const backend = model.embedding.weight.value.backend;
  const labels = clf.labels;
  const trainIds = o.train.map((ex) => clf.encode(ex.text).ids);
  const trainY = o.train.map((ex, i) => clf.labelIndex(ex.label, `training example ${i + 1}`));
  const validIds = o.valid.map((ex) => clf.encode(ex.text).ids);
  const validY = o.valid.map((ex, i) => clf.labelIndex(ex.label, `validation example ${i + 1}`));
  const lengths = trainIds.map((ids) => ids.length);
  const seed = o.seed ?? 1;
  const stepsPerEpoch = Math.ceil(trainIds.length / o.batchSize);

  const counts = labels.map(() => 0);
  for (const y of trainY) counts[y]!++;
  const classWeights = (o.classWeights ?? 'sqrt') === 'none' ? labels.map(() => 1) : classWeightsFor(counts, 'sqrt');
  const weightTensor = tensor(classWeights, [labels.length], { backend });
  const optimizer = new Adam(model, { learningRate: o.learningRate });
  context.log(`${o.train.length} training / ${o.valid.length} validation texts, vocabulary ${clf.vocabulary.size}, ${stepsPerEpoch} steps per epoch, class weights ${classWeights.map((w) => w.toFixed(2)).join(' / ')}`);

  // The step's predicted labels, kept out of its scope for the batch accuracy.
  let predicted: { labels: Tensor; idx: number[] } | undefined;
  let valid: { validAccuracy: number; validMacroF1: number; validStep: number } | undefined;
  const task: TrainingTask<number[]> = {
    stepsPerEpoch,
    // fit's epochs are 0-based; the seeds are those of the page's 1-based epochs.
    batches: (epoch) => lengthBucketedBatches(lengths, o.batchSize, seededRandom(seed * 1000 + epoch + 1)),
    loss: (idx) => {
      const batch = makeBatch(idx.map((i) => trainIds[i]!), backend);
      const y = tensor(idx.map((i) => trainY[i]!), [idx.length], { dtype: 'int32', backend });
      const logits = model.forward(batch);
      predicted = { labels: keep(noGrad(() => argmax(logits, -1))), idx };
      return crossEntropyLoss(logits, y, { weight: weightTensor });
    },
  };
  const stepMetrics = async (logs: BatchLogs): Promise<Record<string, number>> => {
    let correct = 0;
    const { labels: p, idx } = predicted!;
    const values = (await p.data()) as Int32Array;
    p.dispose();
    predicted = undefined;
    idx.forEach((i, k) => (correct += values[k] === trainY[i] ? 1 : 0));
    if (logs.step % stepsPerEpoch === 0 && validIds.length > 0) {
      // At each epoch's last step, so the page sees the epoch's validation with that step.
      const probs = await clf.probabilitiesOf(validIds);
      const report = computeMetrics(validY, probs.map((q) => argmaxOf(q)), labels);
      valid = { validAccuracy: report.accuracy, validMacroF1: report.macroF1, validStep: logs.step };
      context.log(`epoch ${logs.step / stepsPerEpoch}: validation accuracy ${report.accuracy.toFixed(3)}, macro-F1 ${report.macroF1.toFixed(3)}`);
    }
    const metrics: WebTrainingMetrics = { batchAccuracy: correct / idx.length, ...valid };
    return metrics as unknown as Record<string, number>;
  };
  try {
    await fitInWorker(context, model, task, { epochs: Math.max(1, o.epochs), optimizer, clipGradNorm: o.clipGradNorm ?? 5, onNonFinite: 'skip', stepMetrics });
  } finally {
    predicted?.labels.dispose();
    weightTensor.dispose();
    optimizer.dispose();
    clf.dispose();
  }
}
