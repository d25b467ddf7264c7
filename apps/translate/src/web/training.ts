/**
 * The web page's training module (loop style, for `@cellstate/worker`): runs inside the
 * Web Worker started by `train.worker.ts`. Browser-safe (no Node APIs).
 *
 * `train(context)` builds vocabularies and a `Seq2Seq` model from the sentence pairs in
 * `context.options` (`WebTrainingOptions`) and runs `fit` (through `fitInWorker`) on a
 * task whose steps are Adam steps on one batch each, reporting the loss with its perplexity; at epoch ends (no more often than every ~50 steps,
 * and at the last step) the held-out pairs are translated greedily and the exact-match
 * accuracy and BLEU are reported too. The data order of epoch e depends only on
 * (seed, e), so a run resumed from a checkpoint continues the same way.
 */
import '@cellstate/backend-cpu';
import { Adam, deriveSeed, type BatchLogs, type TrainingTask } from '@cellstate/nn';
import { corpusBleu, greedyDecode, makeBatch, permutation, Seq2Seq } from '@cellstate/seq2seq';
import { fitInWorker, type TrainLoopContext } from '@cellstate/worker/runtime';
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

export async function train(context: TrainLoopContext): Promise<void> {
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
  const task: TrainingTask<number[]> = {
    stepsPerEpoch,
    batches: (epoch) => epochBatches(train.length, batchSize, seed, epoch),
    // The seeds of the page's 1-based step numbers.
    loss: (ids, { step }) =>
      model.loss(makeBatch(ids.map((i) => train[i]!), { reverseSource: model.config.reverseSource }), { seed: deriveSeed(seed, 1_000_000 + step + 1), teacherForcing: 1, labelSmoothing: 0, shortlist: 0 }).loss,
  };
  let scores: HeldOutScores | undefined;
  const stepMetrics = async (logs: BatchLogs): Promise<Record<string, number>> => {
    const epochEnd = logs.step % stepsPerEpoch === 0;
    if (logs.step === totalSteps || (epochEnd && (logs.step / stepsPerEpoch) % evalEveryEpochs === 0)) scores = (await scoreHeldOut(model, prepared)) ?? scores;
    const metrics: Record<string, number> = { perplexity: Math.exp(logs.loss) };
    if (scores) {
      metrics.heldOutAccuracy = scores.accuracy;
      metrics.heldOutBleu = scores.bleu;
    }
    return metrics;
  };
  try {
    await fitInWorker(context, model, task, { epochs: Math.ceil(totalSteps / stepsPerEpoch), maxSteps: totalSteps, optimizer, clipGradNorm: 1, stepMetrics });
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
