/**
 * @cellstate/sentiment/node: file helpers (Node only). The rest of the package is
 * browser-safe.
 *
 * A saved classifier is a directory with `sentiment.json` (labels, preprocessing,
 * architecture, vocabulary, training facts) and `model.safetensors` (weights, F16 by
 * default, or int8 with `dtype: 'Q8'`).
 *
 * @example
 * ```ts
 * import { saveClassifier, loadClassifier, createFileCheckpointStore } from '@cellstate/sentiment/node';
 * await saveClassifier('models/airline', clf);
 * const again = await loadClassifier('models/airline');
 * ```
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { saveCheckpoint, loadCheckpointFile } from '@cellstate/nn/node';
import { SentimentClassifier, SentimentError, type WeightsDType } from '../classifier.js';
import type { CheckpointStore } from '../train.js';
import { parseWordVectors, type WordVectors } from '../vectors.js';

export const MODEL_JSON = 'sentiment.json';
export const MODEL_WEIGHTS = 'model.safetensors';

/** Writes `dir/sentiment.json` and `dir/model.safetensors` (atomically each; `dtype` as in `encodeWeights`, default F16). */
export async function saveClassifier(dir: string, clf: SentimentClassifier, options: { dtype?: WeightsDType } = {}): Promise<{ jsonBytes: number; weightBytes: number }> {
  await mkdir(dir, { recursive: true });
  const weights = await clf.encodeWeights(options);
  const json = new TextEncoder().encode(`${JSON.stringify(clf.toJSON())}\n`);
  await saveCheckpoint(join(dir, MODEL_WEIGHTS), weights);
  await saveCheckpoint(join(dir, MODEL_JSON), json);
  return { jsonBytes: json.length, weightBytes: weights.length };
}

/**
 * Reads a directory written by `saveClassifier`; errors name the file. Weights that
 * are NaN or infinite are refused unless `options.allowNonFinite`.
 */
export async function loadClassifier(dir: string, options: { allowNonFinite?: boolean } = {}): Promise<SentimentClassifier> {
  const jsonPath = join(dir, MODEL_JSON);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new SentimentError('invalid-model', code === 'ENOENT' ? `no model at ${dir} (${MODEL_JSON} not found)` : `${jsonPath}: ${(cause as Error).message}`);
  }
  const weightsPath = join(dir, MODEL_WEIGHTS);
  const weights = await loadCheckpointFile(weightsPath);
  return SentimentClassifier.load(json, weights, jsonPath, { ...options, weightsSource: weightsPath });
}

/** A `CheckpointStore` writing `dir/last.safetensors` and `dir/best.safetensors` atomically. */
export function createFileCheckpointStore(dir: string): CheckpointStore & { clear(): Promise<void> } {
  const path = (kind: 'last' | 'best') => join(dir, `${kind}.safetensors`);
  return {
    async save(kind, bytes) {
      await mkdir(dir, { recursive: true });
      await saveCheckpoint(path(kind), bytes);
    },
    async load(kind) {
      try {
        return await loadCheckpointFile(path(kind));
      } catch (e) {
        if (((e as { cause?: NodeJS.ErrnoException }).cause)?.code === 'ENOENT') return null;
        throw e;
      }
    },
    async clear() {
      await rm(path('last'), { force: true });
      await rm(path('best'), { force: true });
    },
  };
}

/** Streams a GloVe / word2vec text file, keeping only the words `keep` accepts. */
export async function readWordVectorsFile(path: string, keep?: (word: string) => boolean): Promise<WordVectors> {
  const lines: string[] = [];
  // Collect lines lazily in chunks to keep memory flat for big files.
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let first = true;
  for await (const line of rl) {
    if (first || !keep || keep(line.slice(0, line.indexOf(' ')))) lines.push(line);
    first = false;
  }
  return parseWordVectors(lines, { ...(keep ? { keep } : {}), source: path });
}
