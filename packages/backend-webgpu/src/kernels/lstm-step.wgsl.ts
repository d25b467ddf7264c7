/**
 * One forward LSTM step: the recurrent GEMM fused with the gate math (cuDNN plan,
 * architecture §3). Letters: B batch, H hidden size, T steps; gate order i, f, g, o.
 * The input projection x·wIhᵀ + bias of all steps is already in the gate section of the
 * reserve (one matmul before the time loop).
 *
 *     bindings: 1 wHhT [H, 4H] (read; wHh transposed once per call, so that neighbouring
 *               invocations read neighbouring words), 2 lengths [B] (read, i32; a dummy
 *               when absent), 3 reserve (read_write), 4 hState [2, B, H] (read_write:
 *               ping-pong halves), 5 c [B, H] (read_write, in place), 6 y [T, B, H] (read_write)
 *     uniforms: lstmStepParams (sections: element offsets of the reserve's parts)
 *
 * Thread mapping (recurrent-step.wgsl.ts): 64 hidden units j × BT batch rows per
 * workgroup, the BT rows of h staged 64 k at a time; each invocation accumulates its four
 * gate pre-activations with one vec4 of wHhT per k, reused for all BT rows. Then per (b, j):
 *
 *     i, f, g, o = σ, σ, tanh, σ of (reserve gates[t, b] + h·wHhᵀ)
 *     c' = f·c + i·g;  h' = o·tanh(c');  y[t, b] = h'
 *
 * and the reserve keeps the activated gates (in place of the pre-activations), c before
 * the step, tanh(c') and h before the step. A sample with t >= lengths[b] keeps h and c,
 * outputs 0 and leaves zeros in the reserve. Grid: (⌈H/64⌉, ⌈B/BT⌉).
 */
import { forwardStepKernel } from './recurrent-step.wgsl.js';

export const { params: lstmStepParams, kernel: lstmStepKernel } = forwardStepKernel({
  name: 'lstm-step',
  gates: 4,
  sections: ['cPrev', 'tanhC', 'hPrev'],
  read: ['wHhT', 'lengths'],
  readWrite: ['reserve', 'hState', 'c', 'y'],
  // Gate math and state update for (b, j), given the recurrent part of the four gates.
  finish: /* wgsl */ `
  let inH = u.readHalf * B * H;
  let outH = (1u - u.readHalf) * B * H;
  let live = u.hasLengths == 0u || i32(t) < lengths[b];
  let g = (t * B + b) * 4u * H + j;
  let row = (t * B + b) * H + j;
  if (live) {
    let gi = sigmoid_acc(reserve[g] + recurrent.x);
    let gf = sigmoid_acc(reserve[g + H] + recurrent.y);
    let gg = tanh_acc(reserve[g + 2u * H] + recurrent.z);
    let go = sigmoid_acc(reserve[g + 3u * H] + recurrent.w);
    let cOld = c[s];
    let cNew = gf * cOld + gi * gg;
    let tc = tanh_acc(cNew);
    let hNew = go * tc;
    reserve[g] = gi;
    reserve[g + H] = gf;
    reserve[g + 2u * H] = gg;
    reserve[g + 3u * H] = go;
    reserve[u.cPrevSection + row] = cOld;
    reserve[u.tanhCSection + row] = tc;
    reserve[u.hPrevSection + row] = hState[inH + s];
    c[s] = cNew;
    hState[outH + s] = hNew;
    y[row] = hNew;
  } else {
    reserve[g] = 0.0;
    reserve[g + H] = 0.0;
    reserve[g + 2u * H] = 0.0;
    reserve[g + 3u * H] = 0.0;
    reserve[u.cPrevSection + row] = 0.0;
    reserve[u.tanhCSection + row] = 0.0;
    reserve[u.hPrevSection + row] = 0.0;
    hState[outH + s] = hState[inH + s];
    y[row] = 0.0;
  }
`,
});
