// The options of `translate train`, which of them a run must keep across `--resume`,
// and the model they describe.
import type { AttentionKind, BridgeKind, Seq2SeqConfig } from '@cellstate/seq2seq';
import type { Vocabulary } from '@cellstate/text';

/** Everything `train` needs; the CLI fills it from flags. */
export interface TrainOptions {
  data: string;
  valid?: string;
  sourceLanguage?: string;
  targetLanguage?: string;
  out: string;
  resume: boolean;
  /** Start over in an `out` that already holds a run (without it, and without `resume`, that is refused). */
  overwrite?: boolean;
  /**
   * A non-finite loss or gradient: 'stop' (default) ends training with
   * `NonFiniteLossError` naming the step, before anything is saved; 'skip' reads every
   * step's loss and gradient norm and leaves out the updates that are not finite.
   */
  onNonFinite?: 'stop' | 'skip';
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  attention: AttentionKind;
  bridge?: BridgeKind;
  dropout: number;
  tieEmbeddings: boolean;
  reverseSource: boolean;
  sourceVocabSize: number;
  targetVocabSize: number;
  minFrequency: number;
  /** Pairs with more tokens on either side are left out of training. */
  maxLength: number;
  /** Use at most this many training pairs (a seeded sample). */
  trainLimit?: number;
  batchSize: number;
  learningRate: number;
  /**
   * Multiply the learning rate by this after every epoch whose validation BLEU is not the
   * best so far (1 = never; the command line's default is 0.5). The rate of an epoch is a
   * function of the run's history, so `--resume` continues with the same rate.
   */
  lrDecay?: number;
  epochs: number;
  maxSteps?: number;
  maxMinutes?: number;
  checkpointEvery: number;
  seed: number;
  teacherForcing: number;
  clipNorm: number;
  labelSmoothing: number;
  shortlist: number;
  /** Validation sentences (distinct sources) for the BLEU after each epoch. */
  validSize: number;
  /** Also write the final model here (float16 with `f16`, int8 matrices with `int8`, 4-bit ones with `int4`). */
  export?: string;
  f16: boolean;
  int8?: boolean;
  int4?: boolean;
  /**
   * Start from this model file's weights and vocabularies instead of random weights
   * (fine-tuning, or training on from a shipped model whose run directory is gone). The
   * model options must describe the file's model; Adam's moments start at zero.
   */
  init?: string;
  /** Test hook: behave as if killed right after the checkpoint of this step. */
  stopAfterStep?: number;
}

/** Options that must not change across `--resume` (they shape the model, data or run). */
export const FIXED: (keyof TrainOptions)[] = [
  'data', 'valid', 'sourceLanguage', 'targetLanguage', 'embeddingSize', 'hiddenSize', 'numLayers', 'bidirectional', 'attention', 'bridge', 'dropout',
  'tieEmbeddings', 'reverseSource', 'sourceVocabSize', 'targetVocabSize', 'minFrequency', 'maxLength', 'trainLimit', 'batchSize', 'learningRate',
  'seed', 'teacherForcing', 'clipNorm', 'labelSmoothing', 'shortlist', 'init',
];

/** The flag (commander's camel-cased name) of each option of `train`, in the order of `TrainOptions`. */
const TRAIN_FLAGS: Record<Exclude<keyof TrainOptions, 'stopAfterStep'>, string> = {
  data: 'data', valid: 'valid', sourceLanguage: 'sourceLang', targetLanguage: 'targetLang', out: 'out', resume: 'resume', overwrite: 'overwrite',
  onNonFinite: 'onNonFinite', embeddingSize: 'embedding', hiddenSize: 'hidden', numLayers: 'layers', bidirectional: 'bidirectional',
  attention: 'attention', bridge: 'bridge', dropout: 'dropout', tieEmbeddings: 'tie', reverseSource: 'reverseSource', sourceVocabSize: 'sourceVocab',
  targetVocabSize: 'targetVocab', minFrequency: 'minFreq', maxLength: 'maxLength', trainLimit: 'trainLimit', batchSize: 'batchSize',
  learningRate: 'lr', lrDecay: 'lrDecay', epochs: 'epochs', maxSteps: 'maxSteps', maxMinutes: 'maxMinutes', checkpointEvery: 'checkpointEvery',
  seed: 'seed', teacherForcing: 'teacherForcing', clipNorm: 'clip', labelSmoothing: 'labelSmoothing', shortlist: 'shortlist', validSize: 'validSize',
  export: 'export', f16: 'f16', int8: 'int8', int4: 'int4', init: 'init',
};

/**
 * Not taken from run.json by a `--resume`: where the run lives, how it is resumed, and
 * `--max-minutes`, which is this process's budget.
 */
const NOT_RESUMED: readonly (keyof TrainOptions)[] = ['out', 'resume', 'overwrite', 'maxMinutes'];

/**
 * The flag of each option a `--resume` takes from the run's run.json when it is not
 * typed again: the run is continued as it was started (`--resume --epochs 10` extends
 * it; a typed option that differs from a FIXED one is still refused).
 */
export const RESUMED_FLAGS: Partial<Record<keyof TrainOptions, string>> = Object.fromEntries(
  Object.entries(TRAIN_FLAGS).filter(([key]) => !NOT_RESUMED.includes(key as keyof TrainOptions)),
);

/**
 * `o` with every option in `RESUMED_FLAGS` whose flag was not `typed` taken from the
 * run's saved options (an option the run did not have is left out).
 */
export function withRunOptions(o: TrainOptions, saved: Partial<TrainOptions>, typed: (flag: string) => boolean): TrainOptions {
  const merged: Record<string, unknown> = { ...o };
  for (const [key, flag] of Object.entries(RESUMED_FLAGS)) {
    if (typed(flag!)) continue;
    const value = (saved as Record<string, unknown>)[key];
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged as unknown as TrainOptions;
}

/** The model a run's options describe, sized to its vocabularies (the same in `train` and `exportRun`). */
export function modelConfig(o: TrainOptions, sourceVocabulary: Vocabulary, targetVocabulary: Vocabulary): Seq2SeqConfig {
  return {
    sourceVocabSize: sourceVocabulary.size,
    targetVocabSize: targetVocabulary.size,
    embeddingSize: o.embeddingSize,
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers,
    bidirectional: o.bidirectional,
    attention: o.attention,
    ...(o.bridge ? { bridge: o.bridge } : {}),
    dropout: o.dropout,
    tieEmbeddings: o.tieEmbeddings,
    reverseSource: o.reverseSource,
    seed: o.seed,
  };
}

/**
 * `TrainOptions` from the parsed `train` flags (commander's camel-cased names, by
 * `TRAIN_FLAGS`); a flag without a value (not given, or an empty language code) is left
 * out. `path` resolves the user's paths (relative to where they typed the command):
 * `data` and `valid` are comma-separated lists of them, and presets (`tatoeba`,
 * `multi30k`) are names, not paths.
 */
export function trainOptionsFromFlags(opts: Record<string, unknown>, path: (p: string) => string): TrainOptions {
  const options: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(TRAIN_FLAGS)) {
    const value = opts[flag];
    if (value === undefined || value === '') continue;
    if (key === 'data' && (value === 'tatoeba' || value === 'multi30k')) options[key] = value;
    else if (key === 'data' || key === 'valid') options[key] = (value as string).split(',').map(path).join(',');
    else if (key === 'out' || key === 'export' || key === 'init') options[key] = path(value as string);
    else options[key] = value;
  }
  return options as unknown as TrainOptions;
}

/** The model file dtype of the `--f16` / `--int8` / `--int4` flags (the smallest one asked for wins). */
export function fileDType(flags: { f16?: boolean; int8?: boolean; int4?: boolean }): 'F32' | 'F16' | 'Q8' | 'Q4' {
  return flags.int4 ? 'Q4' : flags.int8 ? 'Q8' : flags.f16 ? 'F16' : 'F32';
}
