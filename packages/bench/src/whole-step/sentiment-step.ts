/**
 * W7: one whole training step of the shipped airline sentiment model (embedding 100 →
 * dropout 0.25 → bidirectional LSTM 64 per direction over each tweet's real length →
 * mean + max pooling → dropout 0.5 → linear 256 → 3; class-weighted cross-entropy,
 * backward, gradient-norm clip 5, Adam 2e-3) on real airline batches, exactly the step
 * `trainClassifier` (packages/sentiment/src/train.ts) runs: `makeBatch` + the label
 * tensor + `crossEntropyLoss(model.forward(batch), labels, { weight })` inside
 * `Trainer.step` (which reads the loss and the gradient norm, then updates).
 *
 * The classifier is built from the shipped sentiment.json (labels, preprocessing,
 * vocabulary, architecture) with fresh seeded weights, as `pnpm sentiment train` does
 * before its first step. The caller sets the backend first.
 */
import { Adam, Trainer, crossEntropyLoss } from '@cellstate/nn';
import { SentimentClassifier, makeBatch } from '@cellstate/sentiment';
import { tensor } from '@cellstate/tensor';
import { Vocabulary } from '@cellstate/text';
import { meanStepFlops, readShippedModel, sentimentBatches } from './sentiment-data.js';

export interface SentimentStep {
  /** One training step on the next batch (cycling through the file's batches); resolves when the update is done. */
  step: () => Promise<void>;
  sequencesPerStep: number;
  /** Mean useful matmul flops of one step (see `sentimentStepFlops`). */
  flopsPerStep: number;
  parameters: number;
  /** The loss of the last step (for sanity checks). */
  lastLoss: () => number;
  dispose(): void;
}

export function sentimentStep(): SentimentStep {
  const file = sentimentBatches();
  const shipped = readShippedModel();
  const { vocabSize: _v, numLabels: _n, ...model } = file.modelConfig;
  void _v;
  void _n;
  const clf = SentimentClassifier.create({ labels: file.labels, vocabulary: Vocabulary.fromJSON(shipped.vocabulary), preprocess: file.preprocess, model });
  const net = clf.model;
  net.train();
  const backend = net.embedding.weight.value.backend;
  const t = file.training;
  const optimizer = new Adam(net, { learningRate: t.learningRate, beta1: t.beta1, beta2: t.beta2, epsilon: t.epsilon, weightDecay: t.weightDecay });
  const trainer = new Trainer({ optimizer, clipGradNorm: t.clipGradNorm, onNonFinite: 'skip' });
  const weightTensor = tensor(file.classWeights, [file.labels.length], { backend });
  let i = 0;
  let loss = Number.NaN;
  return {
    sequencesPerStep: file.spec.batchSize,
    flopsPerStep: meanStepFlops(file),
    parameters: net.parameters().reduce((n, p) => n + p.value.size, 0),
    lastLoss: () => loss,
    step: async () => {
      const b = file.batches[i % file.batches.length]!;
      i++;
      const result = await trainer.step(() => {
        const batch = makeBatch(b.ids, backend);
        const labels = tensor(b.labels, [b.labels.length], { dtype: 'int32', backend });
        return crossEntropyLoss(net.forward(batch), labels, { weight: weightTensor });
      });
      loss = result.loss;
      // Trainer.step has read the loss and the norm; the update itself was queued after that.
      await backend.sync();
    },
    dispose: () => {
      weightTensor.dispose();
      optimizer.dispose();
      clf.dispose();
    },
  };
}
