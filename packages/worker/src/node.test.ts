import { afterAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { ready, readMany } from '@cellstate/tensor';
import { decodeInto, decodeTrainingState, fit, parseSafetensors } from '@cellstate/nn';
import { endpointFromNodePort, startNodeTraining, TrainingError } from './node/index.js';
import { TrainingSession, type StartTrainingOptions } from './session.js';
import { runTrainingWorker, type TrainingModule } from './runtime/index.js';
import type { TrainingProgress, TrainingStatus } from './protocol.js';
import { makeRun } from './__fixtures__/sine-task.js';

const SETUP = new URL('./__fixtures__/train-setup.ts', import.meta.url);
const LOOP = new URL('./__fixtures__/train-loop.ts', import.meta.url);

async function weights(bytes: Uint8Array): Promise<Map<string, Float32Array>> {
  const { tensors } = parseSafetensors(bytes);
  return new Map([...tensors].filter(([n]) => !n.startsWith('optimizer.')).map(([n, t]) => [n, t.data as Float32Array]));
}

/** The same run on the main thread, for comparison. */
async function mainThreadRun(steps: number) {
  await ready();
  const run = makeRun();
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push(await run.step());
  const params = run.model.namedParameters();
  const values = await readMany(params.map(([, p]) => p.value));
  const out = { losses, weights: new Map(params.map(([n], i) => [n, values[i] as Float32Array])) };
  run.dispose();
  return out;
}

function expectSameWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>, tol = 1e-6) {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, v] of a) {
    const w = b.get(name)!;
    let worst = 0;
    for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(v[i]! - w[i]!));
    expect(worst, name).toBeLessThanOrEqual(tol);
  }
}

const reference = mainThreadRun(20);
afterAll(async () => {
  await reference;
});

describe('training in a worker_threads worker', () => {
  it('step-function module: progress (step, loss, metrics, ETA), interval checkpoints, final checkpoint = the same training on the main thread', async () => {
    const progress: TrainingProgress[] = [];
    const statuses: TrainingStatus[] = [];
    const logs: string[] = [];
    const checkpoints: number[] = [];
    const session = startNodeTraining({ module: SETUP, options: { steps: 20 }, checkpointEvery: 5, progressIntervalMs: 0 });
    session.on('progress', (p) => progress.push(p));
    session.on('status', (s) => statuses.push(s));
    session.on('log', (l) => logs.push(l));
    session.on('checkpoint', (c) => checkpoints.push(c.step));
    const result = await session.done;
    expect(result.status).toBe('completed');
    expect(result.steps).toBe(20);
    expect(statuses).toEqual(['starting', 'running', 'completed']);
    expect(logs).toEqual(['setup: 20 steps']);
    expect(progress.map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const p10 = progress[9]!;
    expect(p10.totalSteps).toBe(20);
    expect(p10.metrics.rmse).toBeCloseTo(Math.sqrt(p10.loss), 6);
    expect(p10.stepsPerSecond).toBeGreaterThan(0);
    expect(p10.etaMs).toBeGreaterThan(0);
    expect(progress[progress.length - 1]!.etaMs).toBe(0);
    expect(checkpoints).toEqual([5, 10, 15, 20]);
    const ref = await reference;
    expect(progress.map((p) => p.loss)).toEqual(ref.losses);
    expect(result.loss).toBe(ref.losses[19]);
    expect(result.checkpoint!.reason).toBe('final');
    expectSameWeights(await weights(result.checkpoint!.bytes), ref.weights);
    // The main thread reads the checkpoint into its own model.
    await ready();
    const main = makeRun();
    await decodeInto(main.model, result.checkpoint!.bytes);
    const state = await decodeTrainingState(result.checkpoint!.bytes, { model: main.model, optimizer: main.optimizer });
    expect(state.step).toBe(20);
    main.dispose();
  });

  it('pause stops at a step boundary, checkpoints on request while paused, resume continues; cancel ends with a checkpoint that resumes to the uninterrupted result', async () => {
    const session = startNodeTraining({ module: SETUP, options: { steps: 20, delayMs: 15 }, progressIntervalMs: 0 });
    await new Promise<void>((resolve) => session.on('progress', (p) => p.step >= 3 && resolve()));
    await session.pause();
    expect(session.status).toBe('paused');
    const pausedAt = session.step;
    await new Promise((r) => setTimeout(r, 150));
    expect(session.step).toBe(pausedAt);
    const requested = await session.requestCheckpoint();
    expect(requested.step).toBe(pausedAt);
    expect(requested.reason).toBe('request');
    await session.resume();
    expect(session.status).toBe('running');
    await new Promise<void>((resolve) => session.on('progress', (p) => p.step >= pausedAt + 2 && resolve()));
    const cancelled = await session.cancel();
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.steps).toBeGreaterThanOrEqual(pausedAt + 2);
    expect(cancelled.steps).toBeLessThan(20);
    expect(cancelled.checkpoint!.step).toBe(cancelled.steps);
    // Resume from the cancelled run's checkpoint (model, Adam state and step restored).
    const resumed = startNodeTraining({ module: SETUP, options: { steps: 20 }, resumeFrom: cancelled.checkpoint!.bytes, progressIntervalMs: 0 });
    const first: TrainingProgress[] = [];
    resumed.on('progress', (p) => first.push(p));
    const result = await resumed.done;
    expect(result.status).toBe('completed');
    expect(first[0]!.step).toBe(cancelled.steps + 1);
    const ref = await reference;
    expect(result.loss).toBeCloseTo(ref.losses[19]!, 6);
    expectSameWeights(await weights(result.checkpoint!.bytes), ref.weights, 1e-5);
  });

});

/** The same runtime and session code without a thread: a MessageChannel between them. */
function inProcess(module: TrainingModule | (() => Promise<TrainingModule>), options: Omit<StartTrainingOptions, 'module'> & { module?: string } = {}) {
  const { port1, port2 } = new MessageChannel();
  runTrainingWorker(endpointFromNodePort(port2 as never), typeof module === 'function' ? module : async () => module);
  const session = new TrainingSession(endpointFromNodePort(port1 as never), { module: 'in-process', ...options });
  const close = () => {
    port1.close();
    port2.close();
  };
  session.done.then(close, close);
  return session;
}

describe('the runtime and session in one thread (protocol, loop style, failures)', () => {
  it('loop-style module (train + context.report): completes with a final checkpoint, and cancel ends its loop', async () => {
    const loop = await import('./__fixtures__/train-loop.js');
    const done = await inProcess(loop, { options: { steps: 6 }, progressIntervalMs: 0 }).done;
    expect(done).toMatchObject({ status: 'completed', steps: 6, metrics: { step: 6 } });
    expect(done.checkpoint!.step).toBe(6);
    const ref = await reference;
    expect(done.loss).toBe(ref.losses[5]);
    const long = inProcess(loop, { options: { steps: 100_000 }, progressIntervalMs: 0 });
    await new Promise<void>((resolve) => long.on('progress', (p) => p.step >= 2 && resolve()));
    const stopped = await long.cancel();
    expect(stopped.status).toBe('cancelled');
    expect(stopped.steps).toBeLessThan(100_000);
    expect(stopped.checkpoint!.step).toBe(stopped.steps);
  });

  it('fitInWorker: every fit step reported with the epoch and the last epoch logs; cancel mid-epoch, then resumeFrom ends with the weights of fit run straight through', async () => {
    const { fitData, fitModel, FIT_OPTIONS } = await import('./__fixtures__/fit-loop.js');
    const fitLoop = await import('./__fixtures__/fit-loop.js');
    // The reference: the same fit on this thread, 3 epochs of 4 steps.
    const ref = fitModel();
    await fit(ref.model, fitData(), { ...FIT_OPTIONS, epochs: 3, optimizer: ref.optimizer });
    const refWeights = new Map(ref.model.namedParameters().map(([n, p]) => [n, Float32Array.from(p.value.dataSync())]));
    const progress: TrainingProgress[] = [];
    const whole = inProcess(fitLoop, { options: { epochs: 3 }, progressIntervalMs: 0 });
    whole.on('progress', (p) => progress.push(p));
    const done = await whole.done;
    expect(done).toMatchObject({ status: 'completed', steps: 12 });
    expect(progress.map((p) => [p.step, p.epoch])).toEqual(Array.from({ length: 12 }, (_, i) => [i + 1, Math.floor(i / 4) + 1]));
    expect(progress[3]!.totalSteps).toBe(12);
    expect(Object.keys(progress[4]!.metrics)).toEqual(['loss']); // epoch 1's logs, from step 5 on
    expectSameWeights(await weights(done.checkpoint!.bytes), refWeights, 0);
    // Cancelled inside epoch 2, then resumed from that checkpoint.
    const slow = inProcess(fitLoop, { options: { epochs: 3, delayMs: 20 }, progressIntervalMs: 0 });
    await new Promise<void>((resolve) => slow.on('progress', (p) => p.step >= 5 && resolve()));
    const cancelled = await slow.cancel();
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.steps % 4).not.toBe(0);
    const resumed = inProcess(fitLoop, { options: { epochs: 3 }, resumeFrom: cancelled.checkpoint!.bytes, progressIntervalMs: 0 });
    const after: TrainingProgress[] = [];
    resumed.on('progress', (p) => after.push(p));
    const end = await resumed.done;
    expect(end).toMatchObject({ status: 'completed', steps: 12 });
    expect(after[0]!.step).toBe(cancelled.steps + 1);
    expectSameWeights(await weights(end.checkpoint!.bytes), refWeights, 0);
    ref.optimizer.dispose();
    ref.model.dispose();
  });

  it('fitInWorker with a TrainingTask: maxSteps ends the run inside an epoch, stepMetrics join each step’s report; the weights are fit’s', async () => {
    const fitLoop = await import('./__fixtures__/fit-loop.js');
    const ref = fitLoop.fitModel();
    const stopAt7 = { onBatchEnd: (_b: number, logs: { step: number }, ctx: { stop(r: string): void }) => void (logs.step === 7 && ctx.stop('7')) };
    await fit(ref.model, fitLoop.fitTask(ref.model), { epochs: 3, optimizer: ref.optimizer, callbacks: [stopAt7] });
    const refWeights = new Map(ref.model.namedParameters().map(([n, p]) => [n, Float32Array.from(p.value.dataSync())]));
    const progress: TrainingProgress[] = [];
    const run = inProcess(fitLoop, { options: { task: true, epochs: 3, maxSteps: 7 }, progressIntervalMs: 0 });
    run.on('progress', (p) => progress.push(p));
    const done = await run.done;
    expect(done).toMatchObject({ status: 'completed', steps: 7 });
    expect(progress.map((p) => [p.step, p.totalSteps, p.metrics.twiceStep])).toEqual(Array.from({ length: 7 }, (_, i) => [i + 1, 7, 2 * (i + 1)]));
    expectSameWeights(await weights(done.checkpoint!.bytes), refWeights, 0);
    ref.optimizer.dispose();
    ref.model.dispose();
  });

  it('failures reject done with a TrainingError carrying the worker-side message', async () => {
    const setupModule = await import('./__fixtures__/train-setup.js');
    const failing = inProcess(setupModule, { options: { steps: 10, failAt: 3 } });
    const error = await failing.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingError);
    expect((error as Error).message).toBe('deliberate failure at step 3');
    expect((error as Error).name).toBe('TrainingError(RangeError)');
    expect(failing.status).toBe('failed');
    await expect(inProcess({} as TrainingModule).done).rejects.toThrow(/exports neither setup\(\) nor train\(\)/);
    await expect(inProcess(async () => Promise.reject(new Error('Cannot find module missing.js'))).done).rejects.toThrow(/missing\.js/);
  });

  it('a worker thread whose training module cannot be found fails the session', async () => {
    await expect(startNodeTraining({ module: new URL('./__fixtures__/missing.ts', import.meta.url) }).done).rejects.toThrow(/missing\.ts|Cannot find/);
  });
});
