/** `translate eval`: BLEU and perplexity of a model on a test set. */
import { loadCorpus } from './data.js';
import { evaluate } from './evaluate.js';
import { userPath } from './io.js';
import { loadModelFile } from './model-io.js';

export interface EvalCommandOptions {
  model: string;
  data: string;
  split: string;
  beam: number;
  lengthPenalty: number;
  limit?: number;
  sourceLang?: string;
  targetLang?: string;
}

/** Evaluates the model on a preset's test (or valid) split, or on all of a file's pairs, and prints the scores and a few examples. */
export async function evalCommand(opts: EvalCommandOptions): Promise<void> {
  const loaded = await loadModelFile(userPath(opts.model));
  const isPreset = opts.data === 'tatoeba' || opts.data === 'multi30k';
  const corpus = loadCorpus(isPreset ? opts.data : userPath(opts.data), { ...(opts.sourceLang ? { sourceLanguage: opts.sourceLang } : {}), ...(opts.targetLang ? { targetLanguage: opts.targetLang } : {}) });
  const pairs = isPreset ? (opts.split === 'valid' ? corpus.valid : corpus.test!) : corpus.train;
  const started = Date.now();
  const r = await evaluate(loaded, pairs, {
    beamSize: opts.beam,
    lengthPenalty: opts.lengthPenalty,
    ...(opts.limit ? { limit: opts.limit } : {}),
    onProgress: (done, total) => process.stderr.write(`\rtranslated ${done}/${total}`),
  });
  process.stderr.write('\n');
  console.log(`BLEU ${r.bleu.toFixed(2)}  (corpus BLEU-4 on lower-cased tokens, ${r.sentences} sources, ${r.pairs} references, beam ${opts.beam}${opts.beam > 1 ? `, length penalty ${opts.lengthPenalty}` : ''})`);
  console.log(`precisions ${r.precisions.map((p) => (100 * p).toFixed(1)).join(' / ')}  brevity penalty ${r.brevityPenalty.toFixed(3)}`);
  console.log(`perplexity ${r.perplexity.toFixed(2)}  (per target token, teacher forcing)`);
  console.log(`time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const e of r.examples) console.log(`  ${e.source}  →  ${e.hypothesis}   [ref: ${e.reference}]`);
}
