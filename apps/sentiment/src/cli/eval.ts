import { assertWritable, writeFileAtomically } from '@cellstate/nn/node';
import { BagOfWordsClassifier, SentimentEnsemble, argmaxOf, computeMetrics, formatReport, type EvaluationReport } from '@cellstate/sentiment';
import { loadLabelled, parseLabels, type DataOptions } from './train.js';
import { userPath, type Io } from './io.js';
import { openModel } from './run.js';

export interface EvalCommandOptions extends DataOptions {
  data: string;
  model?: string;
  /** Train the bag-of-words baseline on these files and report it on the same data. */
  baselineTrain?: string;
  baselineValid?: string;
  /** Write the reports as JSON (the web page's report view reads this). */
  json?: string;
  /** Shorthand for `--labels negative,positive` (a 3-class model on binary data). */
  binary?: boolean;
  verbose?: boolean;
}

/**
 * `eval`. The data's labels are the model's, or, with `--labels` naming some of them
 * (`--binary`: negative,positive), a subset: each text then gets the subset's label of
 * highest probability (a 3-class model on SST-2: argmax over p(negative) and p(positive)).
 */
export async function evalCommand(o: EvalCommandOptions, io: Io): Promise<number> {
  if (o.binary) {
    if (o.labels && o.labels.replace(/\s/g, '') !== 'negative,positive') {
      io.err(`error: --binary means --labels negative,positive; got --labels ${o.labels}\n`);
      return 2;
    }
    o = { ...o, labels: 'negative,positive' };
  }
  return evaluate(o, io);
}

/** Metrics of the model (and optionally the bag-of-words baseline) on a labelled file. */
async function evaluate(o: EvalCommandOptions, io: Io): Promise<number> {
  // Before the model is even loaded: an unwritable --json found after evaluating loses the report.
  if (o.json) await assertWritable(userPath(o.json));
  const clf = await openModel(o.model);
  try {
    const labels = o.labels ? o.labels.split(',').map((l) => l.trim()) : clf.labels;
    const subset = labels.join() !== clf.labels.join();
    if (subset && (labels.length < 2 || new Set(labels).size !== labels.length || labels.some((l) => !clf.labels.includes(l)))) {
      io.err(`error: --labels ${labels.join(',')} are not the model's labels ${clf.labels.join(',')} nor two or more of them\n`);
      return 2;
    }
    const data = loadLabelled(o.data, labels, o, io, o.verbose);
    if (data.length === 0) {
      io.err(`error: ${o.data} has no usable examples\n`);
      return 2;
    }
    const started = Date.now();
    let report: EvaluationReport;
    if (subset) {
      const preds = await clf.predict(data.map((d) => d.text));
      const yTrue = data.map((d) => labels.indexOf(d.label));
      const yPred = preds.map((p) => argmaxOf(labels.map((l) => p.probabilities[l]!)));
      report = computeMetrics(yTrue, yPred, labels);
    } else {
      const { predictions: _p, ...rest } = await clf.evaluate(data);
      report = rest;
    }
    const seconds = (Date.now() - started) / 1000;
    const restricted = subset ? ` (labels restricted to ${labels.join(' / ')}: the most probable of these)` : '';
    io.out(`${formatReport(report, `${clf instanceof SentimentEnsemble ? `LSTM ensemble of ${clf.members.length}` : 'LSTM'} on ${o.data}${restricted}`)}\n`);
    if (o.verbose) io.err(`evaluated ${data.length} texts in ${seconds.toFixed(1)} s\n`);
    const majority = Math.max(...report.confusion.map((row) => row.reduce((a, b) => a + b, 0))) / report.count;
    io.out(`majority-class accuracy on this data: ${majority.toFixed(4)}\n`);
    let baseline: EvaluationReport | undefined;
    if (o.baselineTrain) {
      if (!o.baselineValid) {
        io.err('error: --baseline-train needs --baseline-valid (for early stopping)\n');
        return 2;
      }
      const train = loadLabelled(o.baselineTrain, labels, o, io, o.verbose);
      const valid = loadLabelled(o.baselineValid, labels, o, io, o.verbose);
      const bow = BagOfWordsClassifier.fit(train, { labels, preprocess: clf.preprocessOptions });
      const fit = await bow.train(train, valid);
      baseline = await bow.evaluate(data);
      bow.dispose();
      io.out(`\n${formatReport(baseline, `bag-of-words logistic regression (best epoch ${fit.bestEpoch}) on ${o.data}`)}\n`);
    }
    if (o.json) {
      await writeFileAtomically(userPath(o.json), `${JSON.stringify({ data: o.data, labels, lstm: report, majority, ...(baseline ? { baseline } : {}) }, null, 2)}\n`);
      io.err(`wrote ${o.json}\n`);
    }
    return 0;
  } finally {
    clf.dispose();
  }
}

export interface BaselineCommandOptions extends DataOptions {
  train: string;
  valid: string;
  test: string;
  maxTokens?: number;
  stopWords?: boolean;
  json?: string;
  verbose?: boolean;
}

/** `baseline`: the bag-of-words logistic regression alone, trained on train/valid and reported on test. */
export async function baselineCommand(o: BaselineCommandOptions, io: Io): Promise<number> {
  const labels = parseLabels(o.labels);
  if (o.json) await assertWritable(userPath(o.json));
  const started = Date.now();
  const train = loadLabelled(o.train, labels, o, io, o.verbose);
  const valid = loadLabelled(o.valid, labels, o, io, o.verbose);
  const test = loadLabelled(o.test, labels, o, io, o.verbose);
  const bow = BagOfWordsClassifier.fit(train, { labels, preprocess: { maxTokens: o.maxTokens ?? 200, removeStopWords: o.stopWords ?? true } });
  io.err(`bag-of-words: ${bow.features.size} features (words and bigrams seen at least twice)\n`);
  const fit = await bow.train(train, valid, { onEpoch: (s) => io.err(`epoch ${s.epoch}: valid accuracy ${s.validAccuracy.toFixed(4)} macro-F1 ${s.validMacroF1.toFixed(4)}${s.best ? ' (best)' : ''}\n`) });
  const report = await bow.evaluate(test);
  bow.dispose();
  io.out(`${formatReport(report, `bag-of-words logistic regression (best epoch ${fit.bestEpoch}) on ${o.test}`)}\n`);
  io.err(`took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (o.json) await writeFileAtomically(userPath(o.json), `${JSON.stringify({ data: o.test, baseline: report }, null, 2)}\n`);
  return 0;
}
