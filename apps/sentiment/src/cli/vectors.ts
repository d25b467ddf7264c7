import { writeFileAtomically } from '@cellstate/nn/node';
import { formatWordVectors } from '@cellstate/sentiment';
import { loadClassifier } from '@cellstate/sentiment/node';
import { DEFAULT_MODEL_DIR, modelPath, userPath, type Io } from './io.js';

/**
 * `vectors --model DIR --out FILE`: writes a trained model's word vectors in the GloVe
 * text format, for `train --vectors FILE` of another model (e.g. IMDB reviews -> SST-2).
 */
export async function vectorsCommand(o: { model?: string; out: string }, io: Io): Promise<number> {
  const clf = await loadClassifier(o.model ? modelPath(o.model) : DEFAULT_MODEL_DIR);
  try {
    const lines = await formatWordVectors(clf);
    const path = userPath(o.out);
    await writeFileAtomically(path, lines.join('\n') + '\n');
    io.out(`${lines.length} word vectors of ${clf.model.embedding.embeddingDim} dimensions written to ${path}\n`);
    return 0;
  } finally {
    clf.dispose();
  }
}
