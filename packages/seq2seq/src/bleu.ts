import { ArgumentError } from '@cellstate/tensor';

/** Corpus BLEU with its parts. */
export interface BleuResult {
  /** BLEU in [0, 1] (multiply by 100 for the usual scale). */
  bleu: number;
  /** Modified (clipped) n-gram precisions p₁ … p_N. */
  precisions: number[];
  /** min(1, exp(1 - r/c)). */
  brevityPenalty: number;
  /** c: total hypothesis length. */
  hypothesisLength: number;
  /** r: total closest-reference length. */
  referenceLength: number;
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Corpus-level BLEU (Papineni et al. 2002) exactly as NLTK's `corpus_bleu` computes it
 * with default arguments (no smoothing, uniform weights):
 * - p_n = Σ clipped n-gram matches / Σ hypothesis n-grams, summed over the corpus,
 *   where a hypothesis n-gram's count is clipped to its largest count in any one
 *   reference;
 * - r = Σ length of the reference closest in length to each hypothesis (ties: the
 *   shorter), c = Σ hypothesis lengths, BP = 1 if c > r else exp(1 - r/c);
 * - BLEU = BP · exp(Σ w_n log p_n), and 0 when any p_n has no match (NLTK's result
 *   without smoothing) or the corpus is empty.
 *
 * Tokens are compared as given: tokenize and lower-case both sides the same way first.
 *
 * @example
 * ```ts
 * const hyp = [['the', 'cat', 'sat', 'on', 'the', 'mat']];
 * const refs = [[['the', 'cat', 'sat', 'on', 'a', 'mat'], ['a', 'cat', 'sat', 'on', 'the', 'mat']]];
 * corpusBleu(hyp, refs).bleu; // 0.7598...
 * ```
 */
export function corpusBleu(hypotheses: readonly (readonly string[])[], references: readonly (readonly (readonly string[])[])[], maxOrder = 4): BleuResult {
  if (hypotheses.length !== references.length) {
    throw new ArgumentError('corpusBleu', `need one list of references per hypothesis, got ${hypotheses.length} hypotheses and ${references.length} reference lists`);
  }
  const matches = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let c = 0;
  let r = 0;
  hypotheses.forEach((hyp, i) => {
    const refs = references[i]!;
    if (refs.length === 0) throw new ArgumentError('corpusBleu', `hypothesis ${i} has no reference`);
    for (let n = 1; n <= maxOrder; n++) {
      const counts = ngramCounts(hyp, n);
      const maxRef = new Map<string, number>();
      for (const ref of refs) for (const [g, k] of ngramCounts(ref, n)) if (counts.has(g)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, k));
      for (const [g, k] of counts) matches[n - 1] += Math.min(k, maxRef.get(g) ?? 0);
      totals[n - 1] += Math.max(1, hyp.length - n + 1);
    }
    c += hyp.length;
    let closest = refs[0]!.length;
    for (const ref of refs) {
      const d = Math.abs(ref.length - hyp.length);
      const best = Math.abs(closest - hyp.length);
      if (d < best || (d === best && ref.length < closest)) closest = ref.length;
    }
    r += closest;
  });
  const precisions = matches.map((m, n) => (totals[n]! > 0 ? m / totals[n]! : 0));
  const brevityPenalty = c === 0 ? 0 : c > r ? 1 : Math.exp(1 - r / c);
  if (c === 0 || matches[0] === 0 || matches.some((m) => m === 0)) {
    return { bleu: 0, precisions, brevityPenalty, hypothesisLength: c, referenceLength: r };
  }
  const logSum = precisions.reduce((s, p) => s + Math.log(p) / maxOrder, 0);
  return { bleu: brevityPenalty * Math.exp(logSum), precisions, brevityPenalty, hypothesisLength: c, referenceLength: r };
}

/**
 * Perplexity exp(total negative log-likelihood / tokens).
 *
 * @example
 * ```ts
 * perplexity(2.3 * 100, 100); // ≈ 9.97
 * ```
 */
export function perplexity(totalNll: number, tokens: number): number {
  if (!(tokens > 0)) throw new ArgumentError('perplexity', `tokens must be positive, got ${tokens}`);
  return Math.exp(totalNll / tokens);
}
