import { Module, Adam, crossEntropyLoss, fit, type Callback, type TrainingTask } from '@cellstate/nn';
import { add, gather, mul, noGrad, readMany, scope, softmax, sum, tensor, zeros, type Backend, type Tensor } from '@cellstate/tensor';
import { lengthBucketedBatches, seededRandom, sortedBatches } from './batching.js';
import { SentimentError } from './classifier.js';
import { argmaxOf, computeMetrics, type EvaluationReport } from './metrics.js';
import { preprocess, resolvePreprocessOptions, type PreprocessOptions, type ResolvedPreprocessOptions } from './preprocess.js';
import type { EpochSummary, LabeledText } from './train.js';

export interface BagOfWordsOptions {
  labels: readonly string[];
  /** Preprocessing (default: the same as the LSTM's). */
  preprocess?: PreprocessOptions | ResolvedPreprocessOptions;
  /** Add word bigrams as features (default true). */
  bigrams?: boolean;
  /** Keep features seen at least this often in training (default 2). */
  minFrequency?: number;
  /** Most features (default 50,000). */
  maxFeatures?: number;
}

class LinearOnIds extends Module {
  readonly weight;
  readonly bias;
  constructor(features: number, classes: number) {
    super();
    this.weight = this.addParameter('weight', zeros([features, classes]));
    this.bias = this.addParameter('bias', zeros([classes]));
  }
  /** ids [B, L] (0 = padding) -> logits [B, C] = Σ W[id] + b. */
  forward(ids: Tensor, mask: Tensor): Tensor {
    return scope(() => add(sum(mul(gather(this.weight.value, ids, 0), mask), 1), this.bias.value));
  }
}

/**
 * The baseline: multinomial logistic regression on binary word (and bigram) features,
 * trained with cellstate ops (a weight row per feature, gathered and summed, softmax
 * cross-entropy, Adam with L2), early-stopped on validation macro-F1.
 *
 * @example
 * ```ts
 * const bow = BagOfWordsClassifier.fit(train, { labels: ['negative', 'neutral', 'positive'] });
 * await bow.train(train, valid);
 * (await bow.evaluate(test)).accuracy;
 * ```
 */
export class BagOfWordsClassifier {
  readonly labels: string[];
  readonly preprocessOptions: ResolvedPreprocessOptions;
  readonly bigrams: boolean;
  readonly features: Map<string, number>;
  readonly model: LinearOnIds;

  private constructor(labels: readonly string[], o: ResolvedPreprocessOptions, bigrams: boolean, features: Map<string, number>) {
    this.labels = [...labels];
    this.preprocessOptions = o;
    this.bigrams = bigrams;
    this.features = features;
    this.model = new LinearOnIds(features.size + 1, labels.length);
  }

  /** Builds the feature vocabulary from training texts. */
  static fit(train: readonly LabeledText[], options: BagOfWordsOptions): BagOfWordsClassifier {
    const o = resolvePreprocessOptions(options.preprocess);
    const bigrams = options.bigrams ?? true;
    const counts = new Map<string, number>();
    for (const ex of train) for (const f of new Set(featureStrings(preprocess(ex.text, o).tokens, bigrams))) counts.set(f, (counts.get(f) ?? 0) + 1);
    const min = options.minFrequency ?? 2;
    const kept = [...counts].filter(([, n]) => n >= min).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, options.maxFeatures ?? 50_000);
    return new BagOfWordsClassifier(options.labels, o, bigrams, new Map(kept.map(([f], i) => [f, i + 1])));
  }

  featureIds(text: string): number[] {
    const ids = new Set<number>();
    for (const f of featureStrings(preprocess(text, this.preprocessOptions).tokens, this.bigrams)) {
      const id = this.features.get(f);
      if (id !== undefined) ids.add(id);
    }
    return [...ids];
  }

  #batch(seqs: number[][], backend: Backend): { ids: Tensor; mask: Tensor } {
    const B = seqs.length;
    const L = Math.max(1, ...seqs.map((s) => s.length));
    const ids = new Int32Array(B * L);
    const mask = new Float32Array(B * L);
    seqs.forEach((s, b) => s.forEach((id, t) => ((ids[b * L + t] = id), (mask[b * L + t] = 1))));
    return { ids: tensor(ids, [B, L], { dtype: 'int32', backend }), mask: tensor(mask, [B, L, 1], { backend }) };
  }

  /** Trains with early stopping on validation macro-F1; keeps the best epoch's weights. */
  async train(
    train: readonly LabeledText[],
    valid: readonly LabeledText[],
    options: { epochs?: number; batchSize?: number; learningRate?: number; weightDecay?: number; patience?: number; seed?: number; onEpoch?: (s: EpochSummary) => void } = {},
  ): Promise<{ bestEpoch: number; bestMacroF1: number; history: EpochSummary[] }> {
    const y = train.map((ex, i) => this.#label(ex.label, `training example ${i + 1}`));
    const x = train.map((ex) => this.featureIds(ex.text));
    const validX = valid.map((ex) => this.featureIds(ex.text));
    const validY = valid.map((ex, i) => this.#label(ex.label, `validation example ${i + 1}`));
    const backend = this.model.weight.value.backend;
    const optimizer = new Adam(this.model, { learningRate: options.learningRate ?? 0.01, weightDecay: options.weightDecay ?? 1e-5 });
    const history: EpochSummary[] = [];
    const patience = options.patience ?? 3;
    let best = -1;
    let bestEpoch = 0;
    let bestState: Float32Array[] | null = null;
    let bad = 0;
    let started = 0;
    const task: TrainingTask<number[]> = {
      stepsPerEpoch: Math.ceil(x.length / (options.batchSize ?? 64)),
      batches: (e) => lengthBucketedBatches(x.map((s) => s.length), options.batchSize ?? 64, seededRandom((options.seed ?? 1) * 1000 + e + 1)),
      loss: (idx) => {
        const { ids, mask } = this.#batch(idx.map((i) => x[i]!), backend);
        return crossEntropyLoss(this.model.forward(ids, mask), tensor(idx.map((i) => y[i]!), [idx.length], { dtype: 'int32', backend }));
      },
    };
    const earlyStop: Callback = {
      onEpochBegin: () => void (started = Date.now()),
      onEpochEnd: async (e, logs, context) => {
        const epoch = e + 1;
        const report = computeMetrics(validY, (await this.#probabilities(validX)).map((p) => argmaxOf(p)), this.labels);
        const improved = report.macroF1 > best;
        if (improved) {
          best = report.macroF1;
          bestEpoch = epoch;
          bad = 0;
          bestState = (await readMany([this.model.weight.value, this.model.bias.value])) as Float32Array[];
        } else bad++;
        const s: EpochSummary = { epoch, trainLoss: logs.loss!, validAccuracy: report.accuracy, validMacroF1: report.macroF1, seconds: (Date.now() - started) / 1000, learningRate: optimizer.learningRate, skippedSteps: 0, best: improved };
        history.push(s);
        options.onEpoch?.(s);
        if (bad >= patience) context.stop('early stopping');
      },
    };
    try {
      await fit(this.model, task, { epochs: options.epochs ?? 30, optimizer, onNonFinite: 'skip', callbacks: [earlyStop] });
    } finally {
      optimizer.dispose();
    }
    if (bestState) {
      this.model.weight.assign(tensor(bestState[0]!, [...this.model.weight.shape], { backend }));
      this.model.bias.assign(tensor(bestState[1]!, [...this.model.bias.shape], { backend }));
    }
    return { bestEpoch, bestMacroF1: best, history };
  }

  async #probabilities(seqs: number[][]): Promise<Float32Array[]> {
    const out: Float32Array[] = new Array(seqs.length);
    const C = this.labels.length;
    const backend = this.model.weight.value.backend;
    for (const idx of sortedBatches(seqs.map((s) => s.length), 512)) {
      const p = noGrad(() =>
        scope(() => {
          const { ids, mask } = this.#batch(idx.map((i) => seqs[i]!), backend);
          return softmax(this.model.forward(ids, mask), -1);
        }),
      );
      const [v] = (await readMany([p])) as [Float32Array];
      p.dispose();
      idx.forEach((i, k) => (out[i] = v.slice(k * C, (k + 1) * C)));
    }
    return out;
  }

  async predict(texts: readonly string[]): Promise<{ label: string; probabilities: Record<string, number> }[]> {
    const probs = await this.#probabilities(texts.map((t) => this.featureIds(t)));
    return probs.map((p) => ({ label: this.labels[argmaxOf(p)]!, probabilities: Object.fromEntries(this.labels.map((l, c) => [l, p[c]!])) }));
  }

  async evaluate(examples: readonly LabeledText[]): Promise<EvaluationReport> {
    const yTrue = examples.map((ex, i) => this.#label(ex.label, `example ${i + 1}`));
    const probs = await this.#probabilities(examples.map((ex) => this.featureIds(ex.text)));
    return computeMetrics(yTrue, probs.map((p) => argmaxOf(p)), this.labels);
  }

  #label(label: string, where: string): number {
    const i = this.labels.indexOf(label);
    if (i < 0) throw new SentimentError('unknown-label', `${where}: unknown label ${JSON.stringify(label)}; the labels are ${this.labels.map((l) => JSON.stringify(l)).join(', ')}`);
    return i;
  }

  dispose(): void {
    this.model.dispose();
  }
}

function featureStrings(tokens: readonly string[], bigrams: boolean): string[] {
  const out = [...tokens];
  if (bigrams) for (let i = 0; i + 1 < tokens.length; i++) out.push(`${tokens[i]} ${tokens[i + 1]}`);
  return out;
}
