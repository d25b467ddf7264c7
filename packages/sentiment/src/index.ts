/**
 * @cellstate/sentiment: text classification with an LSTM, browser-safe.
 *
 * - `preprocess`: the shared tokenizer of `@cellstate/text` plus tweet handling (`<user>`,
 *   `<url>`, `<num>`, emoticons, emoji), stop words from the `stopword` package with
 *   negations kept.
 * - `buildVocabulary`, `loadWordVectors`: the vocabulary (`<unk>` for unknown words) and
 *   optional pretrained GloVe / word2vec text vectors.
 * - `SentimentModel`: embedding -> (bi)LSTM with per-text lengths -> last/mean/max
 *   pooling (padding ignored) -> dropout -> linear; any number of labels.
 * - `SentimentClassifier`: text in, label and probabilities out; `explain` (occlusion),
 *   `evaluate`, save/load (F16 safetensors + JSON).
 * - `trainClassifier`: Adam, class weights, early stopping on validation macro-F1,
 *   checkpoints and resume.
 * - `computeMetrics`, `formatReport`: accuracy, macro-F1, per-class P/R/F1, confusion.
 * - `BagOfWordsClassifier`: logistic regression on word and bigram counts (the baseline).
 *
 * Node file helpers (save/load to a directory, checkpoint files, vector files) are in
 * `@cellstate/sentiment/node`.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready } from '@cellstate/tensor';
 * import { SentimentClassifier, buildVocabulary, trainClassifier } from '@cellstate/sentiment';
 * await ready();
 * const vocabulary = buildVocabulary(train.map((x) => x.text));
 * const clf = SentimentClassifier.create({ vocabulary, labels: ['negative', 'neutral', 'positive'] });
 * await trainClassifier(clf, train, valid, { epochs: 10 });
 * const [p] = await clf.predict(['the flight was late again']);
 * ```
 */
export {
  preprocess,
  resolvePreprocessOptions,
  NEGATIONS,
  SENTIMENT_STOP_WORDS_KEPT,
  type PreprocessOptions,
  type ResolvedPreprocessOptions,
  type Preprocessed,
} from './preprocess.js';
export { SentimentModel, resolveModelConfig, type SentimentModelConfig, type ResolvedModelConfig, type Pooling, type ModelBatch } from './model.js';
export {
  SentimentClassifier,
  SentimentError,
  labelRecord,
  sentimentParameterCount,
  DEFAULT_LABELS,
  CLASSIFIER_FORMAT,
  CLASSIFIER_VERSION,
  type ClassifierJSON,
  type CreateClassifierOptions,
  type EncodedText,
  type Prediction,
  type Explanation,
  type TokenInfluence,
  type WeightsDType,
} from './classifier.js';
export {
  trainClassifier,
  buildVocabulary,
  classWeightsFor,
  type LabeledText,
  type TrainOptions,
  type TrainResult,
  type EpochSummary,
  type CheckpointStore,
} from './train.js';
export { computeMetrics, formatReport, formatConfusionMatrix, argmaxOf, type EvaluationReport, type ClassMetrics } from './metrics.js';
export { makeBatch, seededRandom, shuffle, lengthBucketedBatches, sortedBatches } from './batching.js';
export { encodeSafetensors, floatToHalf } from './float16.js';
export { parseWordVectors, applyWordVectors, formatWordVectors, type WordVectors, type WordVectorMatch } from './vectors.js';
export { initFromClassifier, type TransferReport } from './transfer.js';
export { SentimentEnsemble } from './ensemble.js';
export { BagOfWordsClassifier, type BagOfWordsOptions } from './bow.js';
export { createMemoryCheckpointStore } from './memory-store.js';
