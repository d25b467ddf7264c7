import { copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { WeightsDType } from '@cellstate/sentiment';
import { loadClassifier, saveClassifier } from '@cellstate/sentiment/node';
import { DEFAULT_MODEL_DIR, modelPath, userPath, type Io } from './io.js';

/** Options of `export`. */
export interface ExportCommandOptions {
  model?: string;
  out: string;
  /** int8 matrices (embedding, LSTM weights) with a float32 scale per row, the rest float16. */
  int8?: boolean;
  float32?: boolean;
}

/**
 * `export --model DIR --out DIR [--int8 | --float32]`: writes a trained model again with
 * its weights in another format (float16 by default); `report.json` comes along. The
 * model is read completely before anything is written, so `--out` may be `--model`.
 */
export async function exportCommand(o: ExportCommandOptions, io: Io): Promise<number> {
  if (o.int8 && o.float32) {
    io.err('error: --int8 and --float32 exclude each other\n');
    return 2;
  }
  const from = o.model ? modelPath(o.model) : DEFAULT_MODEL_DIR;
  const dtype: WeightsDType = o.int8 ? 'Q8' : o.float32 ? 'F32' : 'F16';
  const clf = await loadClassifier(from);
  try {
    const out = userPath(o.out);
    const sizes = await saveClassifier(out, clf, { dtype });
    const report = join(from, 'report.json');
    if (existsSync(report) && resolve(out) !== resolve(from)) await copyFile(report, join(out, 'report.json'));
    const what = { Q8: 'int8 matrices, the rest float16', F16: 'float16', F32: 'float32' }[dtype];
    io.out(`saved ${out}: model.safetensors ${(sizes.weightBytes / 1024).toFixed(0)} KiB (${what}), sentiment.json ${(sizes.jsonBytes / 1024).toFixed(0)} KiB\n`);
    return 0;
  } finally {
    clf.dispose();
  }
}
