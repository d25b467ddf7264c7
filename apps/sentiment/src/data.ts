/**
 * Reading labelled texts from JSONL, CSV or TSV files (optionally gzip'd), with every
 * problem reported as `file:line`. The parsing itself is browser-safe and lives in
 * `./dataset.ts` (the web page uses it too); this module adds the Node file reading.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError, parseDataset, type Dataset, type ReadDatasetOptions } from './dataset.js';

export * from './dataset.js';

export function readDataset(file: string, options: ReadDatasetOptions = {}): Dataset {
  let bytes: Uint8Array;
  try {
    const raw = readFileSync(file);
    bytes = file.toLowerCase().endsWith('.gz') ? gunzipSync(raw) : raw;
  } catch (cause) {
    throw new DataError(`cannot read: ${(cause as Error).message}`, file);
  }
  return parseDataset(bytes, file, options);
}
