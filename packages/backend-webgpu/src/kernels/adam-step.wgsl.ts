/**
 * Fused Adam / AdamW step, elementwise (as torch.optim.Adam / AdamW):
 *
 *     g = grad (+ l2·param);  m' = β1·m + (1-β1)·g;  v' = β2·v + (1-β2)·g²
 *     param' = param·decay - stepSize · m' / (sqrt(v') / sqrt(1-β2^step) + ε)
 *
 *     bindings: 1 param, 2 grad, 3 m, 4 v (read), 5 param', 6 m', 7 v' (read_write)
 *     uniforms: adamStepParams
 */
import { fixedKernel } from './fixed-kernel.js';
import { ELEMENT_MAIN, storage } from './preamble.wgsl.js';
import { uniformStruct } from './uniform-struct.js';

export const adamStepParams = uniformStruct({
  n: 'u32',
  beta1: 'f32',
  beta2: 'f32',
  epsilon: 'f32',
  /** Adam's (coupled) weight decay added to the gradient, else 0. */
  l2: 'f32',
  /** 1 - lr·wd for AdamW, else 1. */
  decay: 'f32',
  /** lr / (1 - β1^step). */
  stepSize: 'f32',
  /** sqrt(1 - β2^step). */
  biasCorrection2Sqrt: 'f32',
  oneMinusBeta1: 'f32',
  oneMinusBeta2: 'f32',
});

export const adamStepKernel = fixedKernel('adam-step', adamStepParams, `${storage(1, 'param', 'f32', 'read')}
${storage(2, 'grad', 'f32', 'read')}
${storage(3, 'm', 'f32', 'read')}
${storage(4, 'v', 'f32', 'read')}
${storage(5, 'paramOut', 'f32', 'read_write')}
${storage(6, 'mOut', 'f32', 'read_write')}
${storage(7, 'vOut', 'f32', 'read_write')}

${ELEMENT_MAIN}
  let p0 = param[i];
  let l2 = u.l2;
  var g = grad[i];
  if (l2 != 0.0) { g = g + p0 * l2; }
  let mk = u.beta1 * m[i] + u.oneMinusBeta1 * g;
  let vk = u.beta2 * v[i] + u.oneMinusBeta2 * g * g;
  paramOut[i] = p0 * u.decay - (mk / (sqrt_acc(vk) / u.biasCorrection2Sqrt + u.epsilon)) * u.stepSize;
  mOut[i] = mk;
  vOut[i] = vk;
}
`);
