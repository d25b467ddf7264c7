import type { Backend } from '../backend/backend.js';
import type { Handle } from '../backend/handle.js';
import { backward } from '../autograd/backward.js';
import { noGrad } from '../autograd/no-grad.js';
import { clearTape } from '../autograd/tape.js';
import { scope } from '../memory.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { Tensor } from '../tensor.js';
import { mulberry32 } from './random-inputs.js';

interface Float64Reader {
  readFloat64(handle: Handle): Float64Array;
}

function hasFloat64(backend: Backend): backend is Backend & Float64Reader {
  return typeof (backend as Partial<Float64Reader>).readFloat64 === 'function';
}

function valuesOf(t: Tensor): Float64Array {
  return hasFloat64(t.backend) ? t.backend.readFloat64(t.handle) : Float64Array.from(t.dataSync());
}

export interface GradientCheckOptions {
  /** Finite-difference step (default 1e-6 on float64 backends, 1e-2 otherwise). */
  epsilon?: number;
  /** Which inputs to check (default: every float32 input). */
  wrt?: readonly number[];
  /** Seed of the random weighting applied to the output (so dy is not all ones). */
  seed?: number;
}

export interface GradientCheckResult {
  /** Per checked input: analytic and numeric gradients. */
  inputs: { index: number; analytic: Float64Array; numeric: Float64Array }[];
}

/**
 * Computes the analytic gradient of `sum(fn(inputs) * r)` (r random, fixed) by
 * backward() and the numeric one by central differences, perturbing one element at
 * a time. Run it on the float64 reference backend for tight tolerances. Needs a
 * backend with synchronous reads.
 *
 * @example
 * ```ts
 * const r = checkGradients((a, b) => matmul(a, b), [a, b]);
 * expectClose(r.inputs[0].analytic, r.inputs[0].numeric, { atol: 1e-6 });
 * ```
 */
export function checkGradients(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradientCheckOptions = {}): GradientCheckResult {
  const backend = inputs[0]!.backend;
  const epsilon = options.epsilon ?? (hasFloat64(backend) ? 1e-6 : 1e-2);
  const wrt = options.wrt ?? inputs.flatMap((t, i) => (t.dtype === 'float32' ? [i] : []));
  const rand = mulberry32(options.seed ?? 1234);

  // Fixed random weights for the output, found from one forward pass.
  const outShape = noGrad(() => scope(() => fn(...inputs).shape));
  const weights = new Tensor(backend, backend.upload(Array.from({ length: outShape.reduce((p, d) => p * d, 1) }, () => rand() * 2 - 1), outShape, 'float32'));
  const objective = (xs: readonly Tensor[]) => sum(mul(fn(...xs), weights));

  const previous = wrt.map((i) => inputs[i]!.requiresGrad);
  wrt.forEach((i) => (inputs[i]!.requiresGrad = true));
  const analytic = new Map<number, Float64Array>();
  try {
    scope(() => {
      const grads = backward(objective(inputs));
      for (const i of wrt) {
        const g = grads.get(inputs[i]!);
        analytic.set(i, g ? valuesOf(g) : new Float64Array(inputs[i]!.size));
      }
    });
  } finally {
    clearTape();
    wrt.forEach((i, k) => (inputs[i]!.requiresGrad = previous[k]!));
  }

  const result: GradientCheckResult = { inputs: [] };
  noGrad(() => {
    for (const i of wrt) {
      const base = valuesOf(inputs[i]!);
      const numeric = new Float64Array(base.length);
      const evalAt = (values: Float64Array): number =>
        scope(() => {
          const perturbed = new Tensor(backend, backend.upload(values, inputs[i]!.shape, 'float32'));
          const xs = inputs.map((t, k) => (k === i ? perturbed : t));
          return valuesOf(objective(xs))[0]!;
        });
      for (let j = 0; j < base.length; j++) {
        const plus = base.slice();
        plus[j]! += epsilon;
        const minus = base.slice();
        minus[j]! -= epsilon;
        numeric[j] = (evalAt(plus) - evalAt(minus)) / (2 * epsilon);
      }
      result.inputs.push({ index: i, analytic: analytic.get(i)!, numeric });
    }
  });
  weights.dispose();
  return result;
}
