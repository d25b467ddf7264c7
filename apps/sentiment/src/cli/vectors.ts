import { writeFile } from 'node:fs/promises';
import { formatWordVectors } from '@cellstate/sentiment';
import { userPath, type Io } from './io.js';
import { openModel } from './run.js';

/**
 * `vectors --model DIR --out FILE`: writes a trained model's word vectors in the GloVe
 * text format, for `train --vectors FILE` of another model (e.g. IMDB reviews -> SST-2).
 */
export async function vectorsCommand(o: { model?: string; out: string }, io: Io): Promise<number> {
  const clf = await openModel(o.model);
  try {
    const lines = await formatWordVectors(clf);
    const path = userPath(o.out);
    await writeFile(path, lines.join('\n') + '\n');
    io.out(`${lines.length} word vectors of ${clf.model.embedding.embeddingDim} dimensions written to ${path}\n`);
    return 0;
  } finally {
    clf.dispose();
  }
}
