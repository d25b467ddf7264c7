// Step-function style training module: the runtime drives the loop.
import type { TrainingContext, TrainingSetup } from '../runtime/index.js';
import { makeRun } from './sine-task.js';

export async function setup(context: TrainingContext): Promise<TrainingSetup> {
  const o = (context.options ?? {}) as { steps?: number; delayMs?: number; failAt?: number };
  const run = makeRun();
  context.log(`setup: ${o.steps ?? 20} steps`);
  return {
    model: run.model,
    optimizer: run.optimizer,
    totalSteps: o.steps ?? 20,
    async step(n) {
      if (o.failAt === n) throw new RangeError(`deliberate failure at step ${n}`);
      const loss = await run.step();
      if (o.delayMs) {
        // Busy work standing in for a bigger model: keeps steps long without timers.
        const until = performance.now() + o.delayMs;
        while (performance.now() < until);
      }
      return { loss, metrics: { rmse: Math.sqrt(loss) } };
    },
    dispose: run.dispose,
  };
}
