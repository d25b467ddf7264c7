// Loop-style training module on nn's fit (through fitInWorker); the tests run the same
// fit on the main thread to check the worker's result.
import '@cellstate/backend-cpu';
import { Adam, Dataset, Linear, collate, mseLoss, type Sample, type TrainingTask } from '@cellstate/nn';
import { fitInWorker, type TrainLoopContext } from '../runtime/index.js';

/** y = 2·x0 - 3·x1 + 1 on 30 fixed points: 4 batches of 8 an epoch. */
export function fitData(): Dataset<Sample> {
  return Dataset.from(Array.from({ length: 30 }, (_, i) => {
    const x = [Math.sin(i * 1.3), Math.cos(i * 0.7)];
    return { x, y: [2 * x[0]! - 3 * x[1]! + 1] };
  }));
}

export const FIT_OPTIONS = { batchSize: 8, loss: 'mse' as const, seed: 5 };

export function fitModel() {
  const model = new Linear(2, 1, { seed: 3 });
  return { model, optimizer: new Adam(model, { learningRate: 0.05 }) };
}

/** The same training as a `TrainingTask` (its own batches and loss), as the web pages' modules run it. */
export function fitTask(model: Linear): TrainingTask<Sample[]> {
  const data = fitData();
  return {
    stepsPerEpoch: 4,
    batches: (epoch) => data.batches({ batchSize: 8, shuffleSeed: FIT_OPTIONS.seed, epoch }),
    loss: (batch) => {
      const { x, y } = collate(batch);
      return mseLoss(model.forward(x), y);
    },
  };
}

export async function train(context: TrainLoopContext): Promise<void> {
  const o = (context.options ?? {}) as { epochs?: number; delayMs?: number; task?: boolean; maxSteps?: number };
  const { model, optimizer } = fitModel();
  const slow = { onBatchEnd: () => { const until = performance.now() + (o.delayMs ?? 0); while (performance.now() < until); } };
  try {
    if (o.task) {
      const stepMetrics = (logs: { step: number }) => ({ twiceStep: 2 * logs.step });
      await fitInWorker(context, model, fitTask(model), { epochs: o.epochs ?? 3, optimizer, ...(o.maxSteps ? { maxSteps: o.maxSteps } : {}), stepMetrics });
    } else await fitInWorker(context, model, fitData(), { ...FIT_OPTIONS, epochs: o.epochs ?? 3, optimizer, callbacks: [slow] });
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
