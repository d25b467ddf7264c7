/** Reading model files from disk (Node). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeSeq2SeqModel, ModelFileError, type LoadedModel } from '@cellstate/seq2seq';

/**
 * The shipped English → French model, in the package's models/ directory: one level up
 * from src/ here, and from dist/ in the published command line (tsup.config.ts).
 */
export const DEFAULT_MODEL = fileURLToPath(new URL('../models/en-fr.safetensors', import.meta.url));

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
