// A training module that fails in the ways a real one can: exits, crashes, forgets a rejection, diverges.
import type { TrainingContext, TrainingSetup } from '../runtime/index.js';
import { makeRun } from './sine-task.js';

export async function setup(context: TrainingContext): Promise<TrainingSetup> {
  const o = context.options as { mode: 'exit' | 'crash' | 'reject' | 'nan'; at?: number };
  const run = makeRun();
  const at = o.at ?? 2;
  return {
    model: run.model,
    optimizer: run.optimizer,
    totalSteps: 6,
    async step(n) {
      if (n === at) {
        if (o.mode === 'exit') process.exit(3);
        if (o.mode === 'crash') setTimeout(() => {
          throw new TypeError('crashed outside any step');
        });
        if (o.mode === 'reject') void Promise.reject(new Error('a forgotten promise rejected'));
        if (o.mode === 'nan') return Number.NaN;
        await new Promise(() => {}); // hangs: only the failure can end the run
      }
      return run.step();
    },
    dispose: run.dispose,
  };
}
