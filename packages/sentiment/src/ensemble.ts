import { SentimentError, labelRecord, type Explanation, type Prediction, type SentimentClassifier } from './classifier.js';
import { argmaxOf, computeMetrics, type EvaluationReport } from './metrics.js';
import type { ResolvedPreprocessOptions } from './preprocess.js';

/**
 * Several classifiers trained for the same labels and with the same preprocessing (e.g.
 * the same recipe with different seeds), used as one: the probabilities are the mean of
 * the members'. Averaging runs that differ only by chance removes part of that chance,
 * which on small test sets (SST-2 dev has 872 sentences) is as large as a real
 * improvement. Same methods as `SentimentClassifier`, so callers can take either.
 *
 * @example
 * ```ts
 * const ensemble = new SentimentEnsemble([await loadClassifier('a'), await loadClassifier('b')]);
 * const [p] = await ensemble.predict(['a gorgeous , witty film']);
 * ensemble.dispose(); // disposes the members
 * ```
 */
export class SentimentEnsemble {
  readonly members: readonly SentimentClassifier[];

  /** Throws a `SentimentError` (`invalid-argument`) naming the first member whose labels or preprocessing differ. */
  constructor(members: readonly SentimentClassifier[]) {
    if (members.length === 0) throw new SentimentError('invalid-argument', 'an ensemble needs at least one classifier');
    const first = members[0]!;
    const prep = JSON.stringify(first.preprocessOptions);
    members.forEach((m, i) => {
      if (m.labels.join('\0') !== first.labels.join('\0')) {
        throw new SentimentError('invalid-argument', `ensemble member ${i + 1} has the labels ${JSON.stringify(m.labels)}, member 1 ${JSON.stringify(first.labels)}; members must share labels and their order`);
      }
      // Same tokens per text, so per-word explanations can be averaged too.
      if (JSON.stringify(m.preprocessOptions) !== prep) {
        throw new SentimentError('invalid-argument', `ensemble member ${i + 1} preprocesses text differently from member 1 (${describeDifference(first.preprocessOptions, m.preprocessOptions)}); train the members with the same preprocessing options`);
      }
    });
    this.members = [...members];
  }

  get labels(): string[] {
    return this.members[0]!.labels;
  }

  get preprocessOptions(): ResolvedPreprocessOptions {
    return this.members[0]!.preprocessOptions;
  }

  /** Label and mean probabilities of each text; warnings of every member, once each. */
  async predict(texts: readonly string[], options: { batchSize?: number } = {}): Promise<Prediction[]> {
    const all: Prediction[][] = [];
    for (const m of this.members) all.push(await m.predict(texts, options));
    return texts.map((_, i) => this.#mean(all.map((p) => p[i]!)));
  }

  /** Occlusion weights averaged over the members (they see the same tokens). */
  async explain(text: string): Promise<Explanation> {
    const each: Explanation[] = [];
    for (const m of this.members) each.push(await m.explain(text));
    const base = this.#mean(each);
    const influences = each[0]!.influences.map((inf, k) => {
      const deltas = labelRecord(this.labels, (l) => mean(each.map((e) => e.influences[k]!.deltas[l]!)));
      return { token: inf.token, weight: deltas[base.label]!, deltas };
    });
    return { ...base, influences };
  }

  /** Metrics of the mean probabilities (unknown labels throw, as in `SentimentClassifier.evaluate`). */
  async evaluate(examples: readonly { text: string; label: string }[], options: { batchSize?: number } = {}): Promise<EvaluationReport & { predictions: number[] }> {
    const yTrue = examples.map((ex, i) => this.members[0]!.labelIndex(ex.label, `example ${i + 1}`));
    const preds = await this.predict(examples.map((ex) => ex.text), options);
    const yPred = preds.map((p) => argmaxOf(this.labels.map((l) => p.probabilities[l]!)));
    return { ...computeMetrics(yTrue, yPred, this.labels), predictions: yPred };
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
  }

  #mean(ps: readonly Prediction[]): Prediction {
    const probabilities = labelRecord(this.labels, (l) => mean(ps.map((p) => p.probabilities[l]!)));
    const label = this.labels[argmaxOf(this.labels.map((l) => probabilities[l]!))]!;
    return { label, probabilities, tokens: ps[0]!.tokens, warnings: [...new Set(ps.flatMap((p) => p.warnings))] };
  }
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function describeDifference(a: ResolvedPreprocessOptions, b: ResolvedPreprocessOptions): string {
  const ka = a as unknown as Record<string, unknown>;
  const kb = b as unknown as Record<string, unknown>;
  const key = Object.keys(ka).find((k) => JSON.stringify(ka[k]) !== JSON.stringify(kb[k])) ?? Object.keys(kb).find((k) => !(k in ka));
  return key ? `${key}: ${JSON.stringify(ka[key])} vs ${JSON.stringify(kb[key])}` : 'options differ';
}
