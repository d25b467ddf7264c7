/**
 * Training and measuring on the adding problem: the same data stream, optimizer and
 * number of steps for every model, a fixed test set, and the gradient of the loss with
 * respect to each input step.
 */
import { Adam, clipGradNorm, mseLoss } from '@cellstate/nn';
import { backward, noGrad, scope, sqrt, sum, square, tensor, type Tensor } from '@cellstate/tensor';
import { Rng } from '../shared/random.js';
import { addingBatch, type AddingBatch } from './data.js';
import type { SequenceRegressor } from './models.js';

export interface TrainOptions {
  /** Sequence length T. */
  length: number;
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Seed of the training batches (the same stream for every model). */
  seed: number;
  /** Clip the global gradient norm to this (default 1). */
  clip?: number;
  /** Evaluate on `test` every `evalEvery` steps (and at the end). */
  evalEvery?: number;
  test?: AddingBatch;
  onLog?: (step: number, trainLoss: number, testMse: number | null) => void;
}

export interface TrainResult {
  /** (step, test MSE) at every evaluation. */
  curve: [step: number, testMse: number][];
  /** Wall time of the training loop, the periodic test evaluations included. */
  seconds: number;
}

export function batchTensors(batch: AddingBatch): { x: Tensor; y: Tensor } {
  return { x: tensor(batch.x, [batch.T, batch.B, 2]), y: tensor(batch.y, [batch.B, 1]) };
}

/** MSE of `model` on `batch`, without recording gradients. */
export async function evaluate(model: SequenceRegressor, batch: AddingBatch): Promise<number> {
  const loss = noGrad(() =>
    scope(() => {
      const { x, y } = batchTensors(batch);
      return mseLoss(model.forward(x), y);
    }),
  );
  const value = await loss.item();
  loss.dispose();
  return value;
}

/** Trains `model` with Adam and gradient-norm clipping on fresh random batches. */
export async function train(model: SequenceRegressor, options: TrainOptions): Promise<TrainResult> {
  const optimizer = new Adam(model, { learningRate: options.learningRate });
  const rng = new Rng(options.seed);
  const curve: [number, number][] = [];
  const evalEvery = options.evalEvery ?? 100;
  const started = performance.now();
  try {
    for (let step = 1; step <= options.steps; step++) {
      const batch = addingBatch(options.length, options.batchSize, rng);
      const loss = scope(() => {
        const { x, y } = batchTensors(batch);
        const l = mseLoss(model.forward(x), y);
        optimizer.step(clipGradNorm(backward(l), options.clip ?? 1).gradients);
        return l;
      });
      if (step % evalEvery === 0 || step === options.steps) {
        const trainLoss = await loss.item();
        const testMse = options.test ? await evaluate(model, options.test) : null;
        if (testMse !== null) curve.push([step, testMse]);
        options.onLog?.(step, trainLoss, testMse);
      }
      loss.dispose();
    }
  } finally {
    optimizer.dispose();
  }
  return { curve, seconds: (performance.now() - started) / 1000 };
}

/**
 * How strongly the loss depends on each input step: the norm of dLoss/dx_t, averaged
 * over the batch, for every t. Returned by distance from the output: entry d belongs to
 * step t = T - 1 - d. A vanishing gradient shows as a norm that falls by orders of
 * magnitude as d grows.
 */
export async function gradientNormByDistance(model: SequenceRegressor, batch: AddingBatch): Promise<number[]> {
  const perStep = scope(() => {
    const { x, y } = batchTensors(batch);
    x.requiresGrad = true;
    const loss = mseLoss(model.forward(x), y, { reduction: 'sum' }); // per-sample gradients, not divided by B
    const grads = backward(loss, { inputs: [x] });
    const dx = grads.get(x)!; // [T, B, 2]
    return noGrad(() => sum(sqrt(sum(square(dx), 2)), 1)); // [T]: Σ_b ‖dLoss/dx_{t,b}‖
  });
  const values = await perStep.data();
  perStep.dispose();
  const T = batch.T;
  return Array.from({ length: T }, (_, d) => values[T - 1 - d]! / batch.B);
}
