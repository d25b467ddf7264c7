import {
  adamStep,
  add,
  backward,
  keep,
  matmul,
  mean,
  noGrad,
  randomUniform,
  scope,
  square,
  sub,
  tanh,
  tensor,
  zerosLike,
  type Tensor,
} from '@cellstate/tensor';

export interface FitSineOptions {
  hidden?: number;
  steps?: number;
  learningRate?: number;
  seed?: number;
  /** Called every `logEvery` steps with the step and the loss. */
  onLog?: (step: number, loss: number) => void;
  logEvery?: number;
}

/**
 * Fits y = sin(x) on [-π, π] with a 1 -> hidden -> 1 tanh network, full batch, Adam.
 * Returns the loss at each logged step. Uses only the public ops of @cellstate/tensor.
 */
export async function fitSine(options: FitSineOptions = {}): Promise<{ losses: number[]; params: Tensor[] }> {
  const hidden = options.hidden ?? 32;
  const steps = options.steps ?? 500;
  const lr = options.learningRate ?? 0.01;
  const seed = options.seed ?? 1;
  const logEvery = options.logEvery ?? 50;

  const n = 128;
  const xs = Array.from({ length: n }, (_, i) => -Math.PI + (2 * Math.PI * i) / (n - 1));
  const x = tensor(xs, [n, 1]);
  const y = tensor(xs.map(Math.sin), [n, 1]);

  // PyTorch's nn.Linear initialisation: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
  const init = (shape: number[], fanIn: number, s: number) =>
    randomUniform(shape, { seed: s, low: -1 / Math.sqrt(fanIn), high: 1 / Math.sqrt(fanIn) });
  let params = [init([1, hidden], 1, seed), init([hidden], 1, seed + 1), init([hidden, 1], hidden, seed + 2), init([1], hidden, seed + 3)];
  let m = params.map(zerosLike);
  let v = params.map(zerosLike);
  const losses: number[] = [];

  for (let step = 1; step <= steps; step++) {
    for (const p of params) p.requiresGrad = true;
    const next = scope(() => {
      const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
      const h = tanh(add(matmul(x, w1), b1));
      const loss = mean(square(sub(add(matmul(h, w2), b2), y)));
      const grads = backward(loss);
      const updated = params.map((p, i) =>
        adamStep({ param: p, grad: grads.get(p)!, m: m[i]!, v: v[i]!, step, learningRate: lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false }),
      );
      return { loss: noGrad(() => keep(loss)), updated };
    });
    for (const t of [...params, ...m, ...v]) t.dispose();
    params = next.updated.map((u) => u.param);
    m = next.updated.map((u) => u.m);
    v = next.updated.map((u) => u.v);
    if (step === 1 || step % logEvery === 0 || step === steps) {
      const value = await next.loss.item();
      losses.push(value);
      options.onLog?.(step, value);
    }
    next.loss.dispose();
  }
  for (const t of [...m, ...v, x, y]) t.dispose();
  return { losses, params };
}
