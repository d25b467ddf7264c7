import { initializationSkipped } from '@cellstate/nn';
import { add, mul, randomUniform, scope, tensor, zeros, type Backend, type Tensor } from '@cellstate/tensor';

/**
 * PyTorch's LSTM initialisation: every weight and bias ~ U(-1/√H, 1/√H). Seeded and
 * counter-based, so the same seed gives the same weights on every backend.
 */
export function lstmUniform(shape: number[], hiddenSize: number, seed: number, backend?: Backend): Tensor {
  const k = 1 / Math.sqrt(hiddenSize);
  if (initializationSkipped()) return zeros(shape, backend ? { backend } : {});
  return randomUniform(shape, { seed, low: -k, high: k, ...(backend ? { backend } : {}) });
}

/** Sets the forget-gate quarter [H, 2H) of a [4H] bias to `value`, keeping the rest. */
export function withForgetBias(bias: Tensor, hiddenSize: number, value: number): Tensor {
  const H = hiddenSize;
  const keepMask = Array.from({ length: 4 * H }, (_, i) => (i >= H && i < 2 * H ? 0 : 1));
  const set = keepMask.map((m) => (m ? 0 : value));
  return scope(() => add(mul(bias, tensor(keepMask, [4 * H], { backend: bias.backend })), tensor(set, [4 * H], { backend: bias.backend })));
}

/** The initial weights of one recurrent direction (or cell), in PyTorch's layout. */
export interface RecurrentWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh?: Tensor;
  biasHh?: Tensor;
}

/**
 * PyTorch's initialisation of one LSTM (`gates` 4) or GRU (`gates` 3) direction: weights
 * [gates·H, I] and [gates·H, H], biases [gates·H] when `bias`, from seeds `seed`,
 * `seed + 1`, `seed + 2`, `seed + 3` in that order (`seedsUsed` says how many). With
 * `forgetBias` (LSTM only) bias_ih's forget quarter is set to it and bias_hh's to 0.
 */
export function recurrentWeights(spec: { gates: 3 | 4; inputSize: number; hiddenSize: number; seed: number; bias: boolean; forgetBias?: number }): RecurrentWeights & { seedsUsed: number } {
  const { gates, inputSize, hiddenSize: H, seed } = spec;
  const out: RecurrentWeights & { seedsUsed: number } = {
    weightIh: lstmUniform([gates * H, inputSize], H, seed),
    weightHh: lstmUniform([gates * H, H], H, seed + 1),
    seedsUsed: spec.bias ? 4 : 2,
  };
  if (!spec.bias) return out;
  const bIh = lstmUniform([gates * H], H, seed + 2);
  const bHh = lstmUniform([gates * H], H, seed + 3);
  if (spec.forgetBias === undefined) return { ...out, biasIh: bIh, biasHh: bHh };
  const biasIh = withForgetBias(bIh, H, spec.forgetBias);
  const biasHh = withForgetBias(bHh, H, 0);
  bIh.dispose();
  bHh.dispose();
  return { ...out, biasIh, biasHh };
}

export { zeros };
