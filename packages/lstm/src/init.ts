import { add, mul, randomUniform, scope, tensor, zeros, type Backend, type Tensor } from '@cellstate/tensor';

/**
 * PyTorch's LSTM initialisation: every weight and bias ~ U(-1/√H, 1/√H). Seeded and
 * counter-based, so the same seed gives the same weights on every backend.
 */
export function lstmUniform(shape: number[], hiddenSize: number, seed: number, backend?: Backend): Tensor {
  const k = 1 / Math.sqrt(hiddenSize);
  return randomUniform(shape, { seed, low: -k, high: k, ...(backend ? { backend } : {}) });
}

/** Sets the forget-gate quarter [H, 2H) of a [4H] bias to `value`, keeping the rest. */
export function withForgetBias(bias: Tensor, hiddenSize: number, value: number): Tensor {
  const H = hiddenSize;
  const keepMask = Array.from({ length: 4 * H }, (_, i) => (i >= H && i < 2 * H ? 0 : 1));
  const set = keepMask.map((m) => (m ? 0 : value));
  return scope(() => add(mul(bias, tensor(keepMask, [4 * H], { backend: bias.backend })), tensor(set, [4 * H], { backend: bias.backend })));
}

export { zeros };
