/** Reading model files from disk (Node). */
import { readFileSync } from 'node:fs';
import { decodeSeq2SeqModel, ModelFileError, type LoadedModel } from '@cellstate/seq2seq';

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
