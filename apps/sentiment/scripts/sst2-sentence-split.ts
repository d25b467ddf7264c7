/**
 * Writes GLUE SST-2 train with a sentence-level validation split (see src/sst-split.ts):
 *
 *   pnpm sentiment:sst2-split ../shared/data/sentiment/glue-sst2/train.tsv \
 *     ../shared/data/sentiment/sst/trees/train.txt OUT_DIR
 *
 * OUT_DIR gets train.tsv and valid.tsv (GLUE's `sentence<TAB>label` format).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userPath } from '../src/cli/io.js';
import { splitSst2 } from '../src/sst-split.js';

const [glue, trees, out] = process.argv.slice(2).map(userPath);
if (!glue || !trees || !out) {
  console.error('usage: sst2-sentence-split.ts GLUE_TRAIN_TSV SST_TRAIN_TREES OUT_DIR');
  process.exit(2);
}
const rows = readFileSync(glue, 'utf8').split('\n').slice(1).filter((l) => l.trim()).map((l, i) => {
  const t = l.lastIndexOf('\t');
  const label = Number(l.slice(t + 1));
  if (t < 0 || (label !== 0 && label !== 1)) throw new Error(`${glue}:${i + 2}: expected "sentence<TAB>0|1"`);
  return { text: l.slice(0, t).trim(), label: label as 0 | 1 };
});
const r = splitSst2(rows, readFileSync(trees, 'utf8').split('\n'));
mkdirSync(out, { recursive: true });
const tsv = (xs: Array<{ text: string; label: number }>) => `sentence\tlabel\n${xs.map((x) => `${x.text}\t${x.label}`).join('\n')}\n`;
writeFileSync(join(out, 'train.tsv'), tsv(r.train));
writeFileSync(join(out, 'valid.tsv'), tsv(r.valid));
console.log(`held out ${r.heldOutTrees} train trees -> ${r.valid.length} binary validation sentences; training rows ${r.train.length} of ${rows.length} (${r.dropped} phrases only in held-out trees dropped, ${r.unmatched} rows matched no tree)`);
