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
import { recurrentStepKernel } from './recurrent-step.wgsl.js';
import { uniformStruct } from './uniform-struct.js';

export const lstmStepBackwardParams = uniformStruct({
  batch: 'u32',
  hidden: 'u32',
  t: 'u32',
  /** Half of dhState to read (0/1); the other half is written. */
  readHalf: 'u32',
  hasLengths: 'u32',
  cPrevSection: 'u32',
  tanhCSection: 'u32',
  /** 1 when a step was processed before this one (its dGates feed dh). */
  hasPrevious: 'u32',
  /** t of that previous step. */
  tPrev: 'u32',
  hasDy: 'u32',
  /** 1 for the extra dispatch after the last step: only carry dh (to dh0). */
  finalize: 'u32',
});

export const lstmStepBackwardKernel = recurrentStepKernel({
  name: 'lstm-step-backward',
  params: lstmStepBackwardParams.wgsl,
  bindings: [
    ['wHh', 'f32', 'read'],
    ['lengths', 'i32', 'read'],
    ['reserve', 'f32', 'read'],
    ['dy', 'f32', 'read'],
    ['dGates', 'f32', 'read_write'],
    ['dhState', 'f32', 'read_write'],
    ['dc', 'f32', 'read_write'],
  ],
  functions: /* wgsl */ `
fn is_live(b: u32, t: u32) -> bool { return u.hasLengths == 0u || i32(t) < lengths[b]; }

fn staged(b: u32, q: u32) -> f32 { return dGates[(u.tPrev * u.batch + b) * 4u * u.hidden + q]; }

fn weights(q: u32, j: u32) -> f32 { return wHh[q * u.hidden + j]; }

// Carried dh, then the gate gradients and dc for (b, j); recurrent = dGates[tPrev, b] · wHh[:, j].
fn finish(b: u32, j: u32, recurrent: f32) {
  let B = u.batch;
  let H = u.hidden;
  let G = 4u * H;
  let t = u.t;
  let inH = u.readHalf * B * H;
  let outH = (1u - u.readHalf) * B * H;
  let s = b * H + j;
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
}
`,
  product: { accType: 'f32', depth: '4u * H', when: 'u.hasPrevious != 0u' },
});
