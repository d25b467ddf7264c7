import { describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { endpointFromNodePort, startNodeTraining, TrainingError } from './node/index.js';
import { TrainingSession } from './session.js';
import { runTrainingWorker, type TrainingModule } from './runtime/index.js';

const HOSTILE = new URL('./__fixtures__/hostile-task.ts', import.meta.url);

async function failure(session: TrainingSession): Promise<TrainingError> {
  const started = Date.now();
  const e = await session.done.then(() => undefined, (x: unknown) => x);
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(e).toBeInstanceOf(TrainingError);
  expect(session.status).toBe('failed');
  return e as TrainingError;
}

describe('a training session always settles', () => {
  it.each([
    ['exit', 'worker-exited', /exited \(code 3\) before the run ended/],
    ['crash', 'worker-error', /crashed outside any step/],
    ['reject', 'worker-error', /a forgotten promise rejected/],
  ] as const)('worker thread: %s ends done with a TrainingError (%s)', async (mode, code, message) => {
    const e = await failure(startNodeTraining({ module: HOSTILE, options: { mode }, finalCheckpoint: false }));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it("a non-finite loss fails the run at that step (code non-finite-loss), or with onNonFiniteLoss 'continue' is reported and checkpointed as null", async () => {
    const module = (await import('./__fixtures__/hostile-task.js')) as TrainingModule;
    const inProcess = (options: Record<string, unknown>) => {
      const { port1, port2 } = new MessageChannel();
      runTrainingWorker(endpointFromNodePort(port2 as never), async () => module);
      const session = new TrainingSession(endpointFromNodePort(port1 as never), { module: 'in-process', ...options });
      const close = () => {
        port1.close();
        port2.close();
      };
      session.done.then(close, close);
      return session;
    };
    const e = await failure(inProcess({ options: { mode: 'nan', at: 3 }, checkpointEvery: 2 }));
    expect(e.code).toBe('non-finite-loss');
    expect(e.step).toBe(3);
    expect(e.message).toMatch(/training step 3: the loss is NaN/);
    const losses: number[] = [];
    const session = inProcess({ options: { mode: 'nan', at: 3 }, checkpointEvery: 3, progressIntervalMs: 0, onNonFiniteLoss: 'continue' });
    session.on('progress', (p) => losses.push(p.loss));
    const checkpoints: number[] = [];
    session.on('checkpoint', (c) => checkpoints.push(c.step));
    const result = await session.done;
    expect(result.status).toBe('completed');
    expect(losses[2]).toBeNaN();
    expect(checkpoints).toContain(3);
  });
});
