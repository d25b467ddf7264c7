/**
 * The adding-problem experiment as a function: an LSTM and a plain tanh RNN of the same
 * hidden size, trained on the same batches with the same optimizer, steps and seed;
 * their test MSE against the trivial 0.167; and the gradient of the loss with respect
 * to each input step, before and after training.
 */
import { scope } from '@cellstate/tensor';
import { withDefaults } from '../shared/defaults.js';
import { Rng } from '../shared/random.js';
import { addingBatch, TRIVIAL_MSE } from './data.js';
import { LstmRegressor, TanhRnnRegressor, type SequenceRegressor } from './models.js';
import { evaluate, gradientNormByDistance, train } from './train.js';

export interface AddingOptions {
  /** Sequence length T (default 100). */
  length?: number;
  /** Hidden size of both models (default 32). */
  hidden?: number;
  /** Training steps for each model (default 2000). */
  steps?: number;
  /** Sequences per step (default 32). */
  batchSize?: number;
  /** Adam's learning rate (default 0.01), global gradient norm clipped to 1. */
  learningRate?: number;
  /** Seed of the weights and of the data (default 1). */
  seed?: number;
  /** Initial forget-gate bias of the LSTM (default 1; undefined: PyTorch's init). */
  forgetBias?: number | undefined;
  /** Sequences in the test set (default 512). */
  testSize?: number;
  /** Evaluate the test MSE every this many steps (default 100). */
  evalEvery?: number;
  /** Train only these models (default both). */
  models?: readonly ('LSTM' | 'tanh RNN')[];
  onLog?: (model: string, step: number, trainLoss: number, testMse: number | null) => void;
}

export interface ModelReport {
  label: string;
  /** Test MSE after training. */
  testMse: number;
  /** (step, test MSE) during training. */
  curve: [number, number][];
  trainSeconds: number;
  /** Mean ‖dLoss/dx_t‖ by distance d = T - 1 - t from the output, at initialisation. */
  gradientsAtInit: number[];
  /** The same after training. */
  gradientsTrained: number[];
}

export interface AddingResult {
  models: ModelReport[];
  trivialMse: number;
  options: Required<Omit<AddingOptions, 'onLog' | 'forgetBias'>> & { forgetBias: number | undefined };
}

/** The defaults of the options that have one (the forget bias may be set to undefined). */
const ADDING_DEFAULTS: Omit<AddingResult['options'], 'forgetBias'> = {
  length: 100,
  hidden: 32,
  steps: 2000,
  batchSize: 32,
  learningRate: 0.01,
  seed: 1,
  testSize: 512,
  evalEvery: 100,
  models: ['LSTM', 'tanh RNN'],
};

export function resolveAddingOptions(options: AddingOptions = {}): AddingResult['options'] {
  return { ...withDefaults(options, ADDING_DEFAULTS), forgetBias: 'forgetBias' in options ? options.forgetBias : 1 };
}

/**
 * The two models of the experiment, with the same hidden size and seed. Built inside
 * `scope()`: the parameters are kept, and any temporary tensor of the initialisation is
 * released (setting the LSTM's forget bias currently leaves a few behind otherwise).
 */
export function makeModel(label: 'LSTM' | 'tanh RNN', o: AddingResult['options']): SequenceRegressor {
  return scope(() =>
    label === 'LSTM'
      ? new LstmRegressor({ inputSize: 2, hiddenSize: o.hidden, seed: o.seed, ...(o.forgetBias === undefined ? {} : { forgetBias: o.forgetBias }) })
      : new TanhRnnRegressor({ inputSize: 2, hiddenSize: o.hidden, seed: o.seed }),
  );
}

export async function runAdding(options: AddingOptions = {}): Promise<AddingResult> {
  const o = resolveAddingOptions(options);
  // Fixed held-out data, drawn from their own streams (never seen in training).
  const test = addingBatch(o.length, o.testSize, new Rng(o.seed * 7919 + 1));
  const probe = addingBatch(o.length, 64, new Rng(o.seed * 7919 + 2));
  const reports: ModelReport[] = [];
  for (const label of o.models) {
    const model = makeModel(label, o);
    try {
      const gradientsAtInit = await gradientNormByDistance(model, probe);
      const { curve, seconds } = await train(model, {
        length: o.length,
        steps: o.steps,
        batchSize: o.batchSize,
        learningRate: o.learningRate,
        seed: o.seed, // the same batches for both models
        evalEvery: o.evalEvery,
        test,
        ...(options.onLog ? { onLog: (step: number, loss: number, mse: number | null) => options.onLog!(label, step, loss, mse) } : {}),
      });
      const testMse = curve.length ? curve[curve.length - 1]![1] : await evaluate(model, test);
      const gradientsTrained = await gradientNormByDistance(model, probe);
      reports.push({ label, testMse, curve, trainSeconds: seconds, gradientsAtInit, gradientsTrained });
    } finally {
      model.dispose();
    }
  }
  return { models: reports, trivialMse: TRIVIAL_MSE, options: o };
}
