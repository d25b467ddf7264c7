/**
 * One backward LSTM step (steps run in the reverse of the forward order). Letters: B
 * batch, H hidden size, G = 4H; gate order i, f, g, o. Reads the reserve written by
 * lstm-step.wgsl.ts.
 *
 *     bindings: 1 wHh [4H, H] (read), 2 lengths [B] (read, i32; dummy when absent),
 *               3 reserve (read), 4 dy [T, B, H] (read; dummy when absent),
 *               5 dGates [T·B, 4H] (read_write), 6 dhState [2, B, H] (read_write: ping-pong),
 *               7 dc [B, H] (read_write, in place)
 *     uniforms: lstmStepBackwardParams
 *
 * Per (b, j), fused with the recurrent GEMM of the step processed before:
 *
 *     dh  = (previous step live for b) ? Σ_q dGates[tPrev, b, q] · wHh[q, j] : carried dh
 *     dh_total = dh + dy[t, b, j];   dc_total = dc + dh_total · o · (1 - tanh²c')
 *     dGates[t, b] = (dc_total·g·i(1-i), dc_total·c·f(1-f), dc_total·i(1-g²), dh_total·tanh c'·o(1-o))
 *     dc ← dc_total · f
 *
 * A masked step (t >= lengths[b]) writes zero gate gradients and passes dh and dc
 * through. With `finalize` the kernel only forms dh (→ dh0) after the last step.
 * Thread mapping as the forward (recurrent-step.wgsl.ts): 64 units j × BT batch rows per
 * workgroup, with the BT rows of dGates[tPrev] staged 64 gates at a time. Grid (⌈H/64⌉, ⌈B/BT⌉).
 */
import { backwardStepKernel } from './recurrent-step.wgsl.js';

export const { params: lstmStepBackwardParams, kernel: lstmStepBackwardKernel } = backwardStepKernel({
  name: 'lstm-step-backward',
  gates: 4,
  sections: ['cPrev', 'tanhC'],
  readWrite: ['dGates', 'dhState', 'dc'],
  recurrentGradient: 'dGates',
  // Carried dh, then the gate gradients and dc for (b, j); recurrent = dGates[tPrev, b] · wHh[:, j].
  finish: /* wgsl */ `
  let G = 4u * H;
  let inH = u.readHalf * B * H;
  let outH = (1u - u.readHalf) * B * H;
  var dh = dhState[inH + s];
  if (u.hasPrevious != 0u && is_live(b, u.tPrev)) { dh = recurrent; }
  dhState[outH + s] = dh;
  if (u.finalize != 0u) { return; }
  let d = (t * B + b) * G + j;
  if (!is_live(b, t)) {
    dGates[d] = 0.0;
    dGates[d + H] = 0.0;
    dGates[d + 2u * H] = 0.0;
    dGates[d + 3u * H] = 0.0;
    return;
  }
  let row = (t * B + b) * H + j;
  var dhTotal = dh;
  if (u.hasDy != 0u) { dhTotal = dhTotal + dy[row]; }
  let gi = reserve[d];
  let gf = reserve[d + H];
  let gg = reserve[d + 2u * H];
  let go = reserve[d + 3u * H];
  let tc = reserve[u.tanhCSection + row];
  let dcTotal = dc[s] + dhTotal * go * (1.0 - tc * tc);
  dGates[d] = dcTotal * gg * gi * (1.0 - gi);
  dGates[d + H] = dcTotal * reserve[u.cPrevSection + row] * gf * (1.0 - gf);
  dGates[d + 2u * H] = dcTotal * gi * (1.0 - gg * gg);
  dGates[d + 3u * H] = dhTotal * tc * go * (1.0 - go);
  dc[s] = dcTotal * gf;
`,
});
