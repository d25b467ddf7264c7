// Loop style training module: it runs its own loop and reports each step.
import type { TrainLoopContext } from '../runtime/index.js';
import { makeRun } from './sine-task.js';

export async function train(context: TrainLoopContext): Promise<void> {
  const steps = ((context.options ?? {}) as { steps?: number }).steps ?? 10;
  const run = makeRun();
  try {
    const from = await context.track(run.model, run.optimizer, steps);
    for (let s = from; s < steps; s++) {
      const loss = await run.step();
      await context.report({ loss, metrics: { step: s + 1 } });
    }
  } finally {
    run.dispose();
  }
}
