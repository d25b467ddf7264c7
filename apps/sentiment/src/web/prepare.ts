/**
 * What the Train view does before it starts the worker (browser-safe, no DOM): split the
 * labelled texts into training and validation sets (seeded), build the vocabulary from
 * the training texts, create the classifier the page keeps, and pack the worker's
 * options (its JSON, its initial weights, the texts and the training settings).
 */
import { DEFAULT_LABELS, SentimentClassifier, buildVocabulary, seededRandom, shuffle, type LabeledText, type PreprocessOptions } from '@cellstate/sentiment';
import type { WebTrainingOptions } from './training.js';

/** Preprocessing of page-trained models: the CLI's defaults (stop words removed except negations). */
export const PREPROCESS: PreprocessOptions = { removeStopWords: true, maxTokens: 200 };

export interface TrainSettings {
  epochs: number;
  hiddenSize: number;
  embeddingDim: number;
  batchSize: number;
  learningRate: number;
  /** Share of the examples held out for validation (0 to 0.5). */
  validFraction: number;
}

export const DEFAULT_SETTINGS: TrainSettings = { epochs: 5, hiddenSize: 32, embeddingDim: 32, batchSize: 16, learningRate: 0.005, validFraction: 0.1 };

/** The labels found, in `DEFAULT_LABELS` order first (negative, neutral, positive), then sorted. */
export function labelsOf(examples: readonly LabeledText[]): string[] {
  const found = new Set(examples.map((e) => e.label));
  const known = DEFAULT_LABELS.filter((l) => found.has(l));
  const other = [...found].filter((l) => !DEFAULT_LABELS.includes(l)).sort();
  return [...known, ...other];
}

/** Holds out `validFraction` of the examples (seeded; at least one when the fraction is > 0, never all). */
export function splitExamples(examples: readonly LabeledText[], validFraction: number, seed = 10): { train: LabeledText[]; valid: LabeledText[] } {
  const order = shuffle(examples.map((_, i) => i), seededRandom(seed));
  const nValid = validFraction > 0 && examples.length > 1 ? Math.min(examples.length - 1, Math.max(1, Math.round(examples.length * validFraction))) : 0;
  const held = new Set(order.slice(0, nValid));
  return { train: examples.filter((_, i) => !held.has(i)), valid: examples.filter((_, i) => held.has(i)) };
}

/**
 * The page's classifier (untrained) and the options for `./training.ts`: the worker
 * rebuilds the same classifier from `classifier.toJSON()` and the initial weights, so
 * the final checkpoint fits the page's copy (`decodeInto`).
 */
export async function prepareTraining(examples: readonly LabeledText[], labels: readonly string[], settings: TrainSettings): Promise<{ classifier: SentimentClassifier; options: WebTrainingOptions }> {
  if (labels.length < 2) throw new Error(`a classifier needs at least two labels, found ${labels.length}`);
  const { train, valid } = splitExamples(examples, settings.validFraction);
  if (train.length === 0) throw new Error('no training examples');
  const vocabulary = buildVocabulary(train.map((t) => t.text), { preprocess: PREPROCESS, minFrequency: 2, maxSize: 20_000 });
  const classifier = SentimentClassifier.create({
    labels,
    vocabulary,
    preprocess: PREPROCESS,
    model: {
      embeddingDim: settings.embeddingDim,
      hiddenSize: settings.hiddenSize,
      numLayers: 1,
      bidirectional: true,
      pooling: ['mean', 'max'],
      dropout: 0.3,
      embeddingDropout: 0.1,
      seed: 1,
    },
  });
  classifier.model.eval();
  const options: WebTrainingOptions = {
    classifier: classifier.toJSON(),
    weights: await classifier.encodeWeights({ dtype: 'F32' }),
    train,
    valid,
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    classWeights: 'sqrt',
    seed: 1,
  };
  return { classifier, options };
}
