/** BLEU and perplexity of a model on sentence pairs. */
import { corpusBleu, makeBatch, perplexity, type IdPair, type LoadedModel } from '@cellstate/seq2seq';
import { noGrad } from '@cellstate/tensor';
import { groupBySource, type TextPair } from './data.js';
import { tokensOf } from '../preprocess.js';
import { Translator } from '../translator.js';

export interface EvaluationResult {
  /** Corpus BLEU-4 ×100 on lower-cased tokens, references grouped by source. */
  bleu: number;
  /** Perplexity per target token (`<eos>` included) under teacher forcing. */
  perplexity: number;
  sentences: number;
  pairs: number;
  precisions: number[];
  brevityPenalty: number;
  /** A few examples (source, hypothesis, first reference). */
  examples: { source: string; hypothesis: string; reference: string }[];
}

/**
 * Translates each distinct source once and scores it against all of its references;
 * perplexity is computed over every pair.
 */
export async function evaluate(loaded: LoadedModel, pairs: readonly TextPair[], options: { beamSize?: number; lengthPenalty?: number; limit?: number; batchSize?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<EvaluationResult> {
  const groups = groupBySource(pairs).slice(0, options.limit ?? Number.POSITIVE_INFINITY);
  const pre = loaded.preprocessing;
  const translator = new Translator(loaded);
  const hypotheses: string[][] = [];
  const texts: string[] = [];
  const batchSize = options.batchSize ?? 64;
  for (let i = 0; i < groups.length; i += batchSize) {
    const chunk = groups.slice(i, i + batchSize);
    const out = await translator.translate(chunk.map((g) => g.source), { beamSize: options.beamSize ?? 1, batchSize, ...(options.lengthPenalty === undefined ? {} : { lengthPenalty: options.lengthPenalty }) });
    for (const t of out) {
      hypotheses.push(t.targetTokens);
      texts.push(t.text);
    }
    options.onProgress?.(Math.min(i + batchSize, groups.length), groups.length);
  }
  const references = groups.map((g) => g.references.map((r) => tokensOf(r, pre)));
  const bleu = corpusBleu(hypotheses, references);
  const scored = groups.flatMap((g) => g.references.map((target) => ({ source: g.source, target })));
  const ppl = await perplexityOf(loaded, scored, batchSize);
  return {
    bleu: 100 * bleu.bleu,
    perplexity: ppl,
    sentences: groups.length,
    pairs: scored.length,
    precisions: bleu.precisions,
    brevityPenalty: bleu.brevityPenalty,
    examples: groups.slice(0, 5).map((g, i) => ({ source: g.source, hypothesis: texts[i]!, reference: g.references[0]! })),
  };
}

/** exp(mean NLL per target token) under teacher forcing, full softmax. */
export async function perplexityOf(loaded: LoadedModel, pairs: readonly TextPair[], batchSize = 64): Promise<number> {
  const { model, sourceVocabulary, targetVocabulary, preprocessing: pre } = loaded;
  const maxTokens = 100;
  const ids: IdPair[] = pairs
    .map((p) => ({ source: sourceVocabulary.encode(tokensOf(p.source, pre), { maxLength: maxTokens }), target: targetVocabulary.encode(tokensOf(p.target, pre), { maxLength: maxTokens }) }))
    .filter((p) => p.source.length > 0);
  let nll = 0;
  let tokens = 0;
  for (let i = 0; i < ids.length; i += batchSize) {
    const batch = makeBatch(ids.slice(i, i + batchSize), { reverseSource: model.config.reverseSource, backend: model.encoder.embedding.weight.value.backend });
    try {
      const { loss, tokens: n } = noGrad(() => model.loss(batch));
      nll += (await loss.item()) * n;
      tokens += n;
      loss.dispose();
    } finally {
      batch.dispose();
    }
  }
  return tokens === 0 ? Number.NaN : perplexity(nll, tokens);
}
