/** Reading model files from disk (Node). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSeq2SeqModel, ModelFileError, type LoadedModel } from '@cellstate/seq2seq';
import { repoRoot } from './data.js';

/** The shipped English → French model. */
export const DEFAULT_MODEL = join(repoRoot, 'apps/translate/models/en-fr.safetensors');

/** Loads a translation model file; every error names the file. */
export async function loadModelFile(file: string): Promise<LoadedModel> {
  let bytes: Uint8Array;
  try {
    const buffer = readFileSync(file);
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (cause) {
    throw new ModelFileError('invalid', `cannot read the model file: ${(cause as Error).message}`, file, cause);
  }
  return decodeSeq2SeqModel(bytes, file);
}
