/**
 * The web page's Train view without the browser: its demo data, its preparation
 * (src/web/prepare.ts) and its training module (src/web/training.ts) run in a worker_threads
 * worker through @cellstate/worker/node, the same module the page's Web Worker runs.
 * The final checkpoint loads into the page-side classifier on this thread (decodeInto)
 * and classifies the demo sentences.
 */
import '@cellstate/backend-cpu';
import { decodeInto } from '@cellstate/nn';
import { ready } from '@cellstate/tensor';
import type { TrainingProgress, TrainingStatus } from '@cellstate/worker';
import { startNodeTraining } from '@cellstate/worker/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES, DEMO_LABELS, demoDataset } from './demo-data.js';
import { DEFAULT_SETTINGS, labelsOf, prepareTraining, splitExamples } from './prepare.js';
import type { WebTrainingMetrics } from './training.js';

beforeAll(async () => {
  await ready({ prefer: ['cpu'] });
});

describe('the Train view demo data and preparation', () => {
  it('the demo data is seeded, balanced and never gives one text two labels', () => {
    const a = demoDataset();
    expect(demoDataset()).toEqual(a);
    expect(labelsOf(a)).toEqual([...DEMO_LABELS]);
    for (const l of DEMO_LABELS) expect(a.filter((e) => e.label === l).length).toBe(a.length / 3);
    const byText = new Map<string, string>();
    for (const e of a) {
      expect(byText.get(e.text) ?? e.label, e.text).toBe(e.label);
      byText.set(e.text, e.label);
    }
    for (const e of DEMO_EXAMPLES) expect(DEMO_LABELS as readonly string[]).toContain(e.label);
  });

  it('splits deterministically, keeps at least one example on each side, orders labels like the CLI', () => {
    const data = demoDataset();
    const { train, valid } = splitExamples(data, 0.1);
    expect(valid.length).toBe(Math.round(data.length * 0.1));
    expect(train.length + valid.length).toBe(data.length);
    expect(splitExamples(data, 0.1)).toEqual({ train, valid });
    expect(splitExamples(data.slice(0, 3), 0.01).valid.length).toBe(1);
    expect(splitExamples(data.slice(0, 2), 0.5).train.length).toBe(1);
    expect(splitExamples(data, 0).valid).toEqual([]);
    expect(labelsOf([{ text: 'a', label: 'positive' }, { text: 'b', label: 'zeta' }, { text: 'c', label: 'negative' }, { text: 'd', label: 'alpha' }])).toEqual(['negative', 'positive', 'alpha', 'zeta']);
  });
});

describe('the Train view training module in a worker thread', () => {
  it('learns the demo data: progress with loss, batch accuracy, validation metrics and ETA; the final checkpoint loads on this thread and classifies the demo sentences', async () => {
    const data = demoDataset();
    const { classifier, options } = await prepareTraining(data, labelsOf(data), { ...DEFAULT_SETTINGS, epochs: 3 });
    const progress: TrainingProgress[] = [];
    const statuses: TrainingStatus[] = [];
    const logs: string[] = [];
    const session = startNodeTraining({ module: new URL('./training.ts', import.meta.url), options, progressIntervalMs: 0 });
    session.on('progress', (p) => progress.push(p));
    session.on('status', (s) => statuses.push(s));
    session.on('log', (l) => logs.push(l));
    const result = await session.done;

    expect(result.status).toBe('completed');
    const stepsPerEpoch = Math.ceil(options.train.length / options.batchSize);
    expect(result.steps).toBe(3 * stepsPerEpoch);
    expect(statuses).toEqual(['starting', 'running', 'completed']);
    expect(progress.map((p) => p.step)).toEqual(Array.from({ length: result.steps }, (_, i) => i + 1));
    expect(progress.every((p) => p.totalSteps === result.steps && Number.isFinite(p.loss))).toBe(true);
    expect(progress[1]!.etaMs).toBeGreaterThan(0);
    expect(progress.at(-1)!.epoch).toBe(3);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const firstLosses = mean(progress.slice(0, 5).map((p) => p.loss));
    const lastLosses = mean(progress.slice(-5).map((p) => p.loss));
    expect(lastLosses).toBeLessThan(firstLosses / 3);
    const m = result.metrics as unknown as WebTrainingMetrics;
    expect(m.validStep).toBe(result.steps);
    expect(m.validAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(m.validMacroF1).toBeGreaterThanOrEqual(0.9);
    // The validation metrics appear at the first epoch's end and are carried on.
    expect((progress[stepsPerEpoch - 2]!.metrics as unknown as WebTrainingMetrics).validAccuracy).toBeUndefined();
    expect((progress[stepsPerEpoch - 1]!.metrics as unknown as WebTrainingMetrics).validStep).toBe(stepsPerEpoch);
    expect(logs[0]).toMatch(/training \/ \d+ validation texts, vocabulary \d+/);
    expect(logs.filter((l) => /^epoch \d: validation accuracy/.test(l))).toHaveLength(3);

    await decodeInto(classifier.model, result.checkpoint!.bytes);
    const predictions = await classifier.predict(DEMO_EXAMPLES.map((e) => e.text));
    expect(predictions.map((p) => p.label)).toEqual(DEMO_EXAMPLES.map((e) => e.label));
    classifier.dispose();
  }, 120_000);
});
