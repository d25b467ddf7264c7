/**
 * The web page's training module, run inside a Web Worker by `./train.worker.ts`
 * (`@cellstate/worker`'s step style): `setup` rebuilds the classifier the page prepared
 * (architecture, vocabulary and initial weights come in `options`), and every `step(n)`
 * is one Adam step on one length-bucketed batch. Batches are a function of the step
 * number (epoch = which pass, seeded shuffle per epoch), so a run resumed from a
 * checkpoint continues with the same batches. At the end of each epoch the validation
 * texts are classified and their accuracy and macro-F1 join the step's metrics.
 *
 * Browser-safe; the unit test runs the same module in Node.
 */
import '@cellstate/backend-cpu';
import { Adam, Trainer, crossEntropyLoss } from '@cellstate/nn';
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
import type { TrainingContext, TrainingSetup } from '@cellstate/worker/runtime';

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

export async function setup(context: TrainingContext): Promise<TrainingSetup> {
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
  const batchesOf = (epoch: number) => lengthBucketedBatches(lengths, o.batchSize, seededRandom(seed * 1000 + epoch));
  const stepsPerEpoch = batchesOf(1).length; // the count depends on the data size only, not on the order
  const totalSteps = Math.max(1, o.epochs) * stepsPerEpoch;

  const counts = labels.map(() => 0);
  for (const y of trainY) counts[y]!++;
  const classWeights = (o.classWeights ?? 'sqrt') === 'none' ? labels.map(() => 1) : classWeightsFor(counts, 'sqrt');
  const weightTensor = tensor(classWeights, [labels.length], { backend });
  const optimizer = new Adam(model, { learningRate: o.learningRate });
  const trainer = new Trainer({ optimizer, clipGradNorm: o.clipGradNorm ?? 5, onNonFinite: 'skip' });
  context.log(`${o.train.length} training / ${o.valid.length} validation texts, vocabulary ${clf.vocabulary.size}, ${stepsPerEpoch} steps per epoch, class weights ${classWeights.map((w) => w.toFixed(2)).join(' / ')}`);

  let epochBatches: { epoch: number; batches: number[][] } | undefined;
  let valid: { validAccuracy: number; validMacroF1: number; validStep: number } | undefined;

  return {
    model,
    optimizer,
    totalSteps,
    async step(n) {
      const epoch = Math.floor((n - 1) / stepsPerEpoch) + 1;
      const b = (n - 1) % stepsPerEpoch;
      if (epochBatches?.epoch !== epoch) epochBatches = { epoch, batches: batchesOf(epoch) };
      const idx = epochBatches.batches[b]!;
      model.train();
      let predicted: Tensor | undefined;
      const result = await trainer.step(() => {
        const batch = makeBatch(idx.map((i) => trainIds[i]!), backend);
        const y = tensor(idx.map((i) => trainY[i]!), [idx.length], { dtype: 'int32', backend });
        const logits = model.forward(batch);
        predicted = keep(noGrad(() => argmax(logits, -1)));
        return crossEntropyLoss(logits, y, { weight: weightTensor });
      });
      const p = (await predicted!.data()) as Int32Array;
      predicted!.dispose();
      let correct = 0;
      idx.forEach((i, k) => (correct += p[k] === trainY[i] ? 1 : 0));
      if (b === stepsPerEpoch - 1 && validIds.length > 0) {
        const probs = await clf.probabilitiesOf(validIds);
        const report = computeMetrics(validY, probs.map((q) => argmaxOf(q)), labels);
        valid = { validAccuracy: report.accuracy, validMacroF1: report.macroF1, validStep: n };
        context.log(`epoch ${epoch}: validation accuracy ${report.accuracy.toFixed(3)}, macro-F1 ${report.macroF1.toFixed(3)}`);
      }
      const metrics: WebTrainingMetrics = { batchAccuracy: correct / idx.length, ...valid };
      return { loss: result.loss, metrics: metrics as unknown as Record<string, number>, epoch };
    },
    dispose() {
      weightTensor.dispose();
      optimizer.dispose();
      clf.dispose();
    },
  };
}
