// The files of a training run's directory (run.json, the vocabularies, the checkpoint and
// the best model), read with errors that name the file, and `exportRun`, which writes a
// model file from them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertWritable, loadTrainingCheckpoint, saveCheckpoint } from '@cellstate/nn/node';
import { encodeSeq2SeqModel, Seq2Seq, type Preprocessing } from '@cellstate/seq2seq';
import { Vocabulary } from '@cellstate/text';
import { DataError } from './data.js';
import { loadModelFile } from './model-io.js';
import { fileDType, FIXED, modelConfig, type TrainOptions } from './train-options.js';

/** The model file of the epoch with the best validation BLEU so far, in the run directory. */
export const BEST_FILE = 'best.safetensors';
/** Files whose presence means `out` holds a run that a fresh start would overwrite. */
export const RUN_FILES = ['run.json', 'checkpoint.safetensors', 'model.safetensors', BEST_FILE];

/** A JSON file of a run directory; every error names it. */
function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new DataError(`${path}: cannot read it: ${(cause as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new DataError(`${path}: not valid JSON: ${(cause as Error).message}`);
  }
}

/** A vocabulary file written by `train`. */
export function readVocabulary(path: string): Vocabulary {
  return Vocabulary.fromJSON(readJsonFile(path), path);
}

/** `run.json` of a run directory. */
export function readRunFile(path: string): { options: TrainOptions; preprocessing: Preprocessing } {
  const run = readJsonFile(path) as { options?: unknown; preprocessing?: unknown } | null;
  if (typeof run !== 'object' || run === null || typeof run.options !== 'object' || run.options === null || typeof run.preprocessing !== 'object' || run.preprocessing === null) {
    throw new DataError(`${path}: not a run description (expected an object with 'options' and 'preprocessing')`);
  }
  return run as { options: TrainOptions; preprocessing: Preprocessing };
}

/** One epoch of a run, as the checkpoint and model files record it. */
export interface EpochRecord {
  epoch: number;
  step: number;
  trainLoss: number;
  validBleu: number;
  validPerplexity: number;
  elapsedMs: number;
}

/** What `train` keeps in a training checkpoint besides the model and optimizer. */
export interface Extra {
  batchIndex: number;
  /** Token-weighted loss sum and token count of the epoch so far (for its mean). */
  epochLoss: number;
  epochTokens: number;
  elapsedMs: number;
  history: EpochRecord[];
  [key: string]: unknown;
}

/**
 * Writes a model file from a run directory (what `train --export` writes at the end;
 * useful when a run was stopped): by default the epoch with the best validation BLEU
 * (`best.safetensors`) when the run has one, else its last checkpoint; `last: true`
 * takes the last checkpoint.
 */
export async function exportRun(out: string, modelPath: string, options: { f16?: boolean; int8?: boolean; int4?: boolean; last?: boolean }): Promise<{ step: number; bytes: number; from: 'best' | 'last' }> {
  await assertWritable(modelPath);
  const dtype = fileDType(options);
  const bestFile = join(out, BEST_FILE);
  if (!options.last && existsSync(bestFile)) {
    const best = await loadModelFile(bestFile);
    const bytes = await encodeSeq2SeqModel(best, { dtype });
    await saveCheckpoint(modelPath, bytes);
    best.model.dispose();
    return { step: Number((best.info as { steps?: number }).steps ?? 0), bytes: bytes.length, from: 'best' };
  }
  const run = readRunFile(join(out, 'run.json'));
  const o = run.options;
  const sourceVocabulary = readVocabulary(join(out, 'source-vocab.json'));
  const targetVocabulary = readVocabulary(join(out, 'target-vocab.json'));
  const model = new Seq2Seq(modelConfig(o, sourceVocabulary, targetVocabulary));
  const state = await loadTrainingCheckpoint(join(out, 'checkpoint.safetensors'), { model });
  const extra = state.extra as Extra;
  const info = { steps: state.step, epochs: state.epoch ?? 0, elapsedMs: extra.elapsedMs, history: extra.history, data: o.data, options: Object.fromEntries(FIXED.map((k) => [k, o[k] ?? null])) };
  const bytes = await encodeSeq2SeqModel({ model, sourceVocabulary, targetVocabulary, preprocessing: run.preprocessing, info }, { dtype });
  await saveCheckpoint(modelPath, bytes);
  model.dispose();
  return { step: state.step, bytes: bytes.length, from: 'last' };
}
