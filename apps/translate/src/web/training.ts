/**
 * The web page's training module (step style, for `@cellstate/worker`): runs inside the
 * Web Worker started by `train.worker.ts`. Browser-safe (no Node APIs).
 *
 * `setup(context)` builds vocabularies and a `Seq2Seq` model from the sentence pairs in
 * `context.options` (`WebTrainingOptions`), and each `step(n)` does one Adam step on one
 * batch, returning the loss with its perplexity; at epoch ends (no more often than every ~50 steps,
 * and at the last step) the held-out pairs are translated greedily and the exact-match
 * accuracy and BLEU are reported too. The data order of epoch e depends only on
 * (seed, e), so a run resumed from a checkpoint continues the same way.
 */
import '@cellstate/backend-cpu';
import { Adam, deriveSeed } from '@cellstate/nn';
import { corpusBleu, greedyDecode, makeBatch, permutation, Seq2Seq, trainStep } from '@cellstate/seq2seq';
import type { TrainingContext, TrainingSetup } from '@cellstate/worker/runtime';
import { prepareTraining, type PreparedTraining, type WebTrainingOptions } from './training-data.js';

/** Metrics of the held-out pairs (greedy decoding). */
export interface HeldOutScores {
  /** Percentage of held-out sentences translated exactly (tokens). */
  accuracy: number;
  /** Corpus BLEU-4 ×100 (one reference each). */
  bleu: number;
}

/** Translates the held-out pairs greedily and scores them. */
export async function scoreHeldOut(model: Seq2Seq, prepared: PreparedTraining): Promise<HeldOutScores | undefined> {
  const { heldOut, targetVocabulary, preprocessing } = prepared;
  if (heldOut.length === 0) return undefined;
  const batch = makeBatch(heldOut.map((p) => ({ source: p.sourceIds })), { reverseSource: model.config.reverseSource });
  try {
    const hypotheses = await greedyDecode(model, batch, { maxLength: preprocessing.maxTargetLength * 2 + 2 });
    const tokens = hypotheses.map((h) => targetVocabulary.decode(h.ids));
    const exact = tokens.filter((t, i) => t.join(' ') === heldOut[i]!.targetTokens.join(' ')).length;
    const bleu = corpusBleu(tokens, heldOut.map((p) => [p.targetTokens]));
    return { accuracy: (100 * exact) / heldOut.length, bleu: 100 * bleu.bleu };
  } finally {
    batch.dispose();
  }
}

/** The batches of epoch `epoch` (0-based) as index lists: a seeded shuffle cut into batches. */
export function epochBatches(count: number, batchSize: number, seed: number, epoch: number): number[][] {
  const order = permutation(count, deriveSeed(seed, 1000 + epoch));
  const batches: number[][] = [];
  for (let i = 0; i < count; i += batchSize) batches.push(Array.from(order.subarray(i, Math.min(i + batchSize, count))));
  return batches;
}

export async function setup(context: TrainingContext): Promise<TrainingSetup> {
  const options = context.options as WebTrainingOptions;
  const prepared = prepareTraining(options);
  const { train, batchSize, stepsPerEpoch, seed } = prepared;
  const model = new Seq2Seq(prepared.config);
  const optimizer = new Adam(model, { learningRate: options.learningRate });
  const totalSteps = options.steps;
  // Evaluate at the end of every k-th epoch so that evaluations are ~50 steps apart or more.
  const evalEveryEpochs = Math.max(1, Math.ceil(50 / stepsPerEpoch));
  context.log(
    `${train.length} training pairs, ${prepared.heldOut.length} held out${prepared.tooLong ? `, ${prepared.tooLong} left out (too long or empty)` : ''}; ` +
      `vocabularies ${prepared.sourceVocabulary.size} / ${prepared.targetVocabulary.size}; ${model.parameterCount().toLocaleString('en')} parameters; ` +
      `${stepsPerEpoch} steps per epoch of ${batchSize} pairs`,
  );
  let batches: { epoch: number; list: number[][] } | undefined;
  let scores: HeldOutScores | undefined;
  return {
    model,
    optimizer,
    totalSteps,
    async step(n) {
      const epoch = Math.floor((n - 1) / stepsPerEpoch);
      const index = (n - 1) % stepsPerEpoch;
      if (batches?.epoch !== epoch) batches = { epoch, list: epochBatches(train.length, batchSize, seed, epoch) };
      const batch = makeBatch(batches.list[index]!.map((i) => train[i]!), { reverseSource: model.config.reverseSource });
      let loss: number;
      try {
        const l = trainStep(model, optimizer, batch, { seed: deriveSeed(seed, 1_000_000 + n), clipNorm: 1 });
        loss = await l.item();
        l.dispose();
      } finally {
        batch.dispose();
      }
      const epochEnd = index === stepsPerEpoch - 1;
      if (n === totalSteps || (epochEnd && (epoch + 1) % evalEveryEpochs === 0)) scores = (await scoreHeldOut(model, prepared)) ?? scores;
      const metrics: Record<string, number> = { perplexity: Math.exp(loss) };
      if (scores) {
        metrics.heldOutAccuracy = scores.accuracy;
        metrics.heldOutBleu = scores.bleu;
      }
      return { loss, metrics, epoch: epoch + 1 };
    },
    dispose: () => model.dispose(),
  };
}
