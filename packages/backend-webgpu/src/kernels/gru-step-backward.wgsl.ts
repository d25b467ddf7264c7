/**
 * One backward GRU step (steps run in the reverse of the forward order). Letters: B
 * batch, H hidden size, G = 3H; gate order r, z, n. Reads the reserve written by
 * gru-step.wgsl.ts (r, z, n, hn, hPrev).
 *
 *     bindings: 1 wHh [3H, H] (read), 2 lengths [B] (read, i32; dummy when absent),
 *               3 reserve (read), 4 dy [T, B, H] (read; dummy when absent),
 *               5 dGi [T·B, 3H] (read_write: gradient of x·wIhᵀ + bIh),
 *               6 dGh [T·B, 3H] (read_write: gradient of h·wHhᵀ + bHh),
 *               7 dhState [2, B, H] (read_write: ping-pong)
 *     uniforms: gruStepBackwardParams
 *
 * The gradient reaching h before a step has two parts: dh' · z directly, and dGh · wHh
 * through the gates. The first is known when the step is processed and is what this
 * kernel carries in dhState; the second is formed by the next dispatch, fused with its
 * recurrent product. Per (b, j):
 *
 *     dh = carried + (previous step live for b ? Σ_q dGh[tPrev, b, q] · wHh[q, j] : 0)
 *     dh_total = dh + dy[t, b, j]
 *     dn = dh_total·(1−z)·(1−n²);  dz = dh_total·(hPrev − n)·z(1−z);  dr = dn·hn·r(1−r)
 *     dGi[t, b] = (dr, dz, dn);  dGh[t, b] = (dr, dz, dn·r);  carried ← dh_total·z
 *
 * A masked step (t >= lengths[b]) writes zero gate gradients and carries dh unchanged.
 * With `finalize` the kernel only forms dh (→ dh0) after the last step. Thread mapping
 * as the forward (recurrent-step.wgsl.ts), with the BT rows of dGh[tPrev] staged 64 gates
 * at a time. Grid (⌈H/64⌉, ⌈B/BT⌉).
 */
import { backwardStepKernel } from './recurrent-step.wgsl.js';

export const { params: gruStepBackwardParams, kernel: gruStepBackwardKernel } = backwardStepKernel({
  name: 'gru-step-backward',
  gates: 3,
  sections: ['r', 'z', 'n', 'hn', 'hPrev'],
  readWrite: ['dGi', 'dGh', 'dhState'],
  recurrentGradient: 'dGh',
  // dh of (b, j), then its gate gradients and the directly carried part; recurrent = dGh[tPrev, b] · wHh[:, j].
  finish: /* wgsl */ `
  let out = (1u - u.readHalf) * B * H + s;
  var dh = dhState[u.readHalf * B * H + s];
  if (u.hasPrevious != 0u && is_live(b, u.tPrev)) { dh = dh + recurrent; }
  let d = (t * B + b) * 3u * H + j;
  if (u.finalize != 0u) {
    dhState[out] = dh;
    return;
  }
  if (!is_live(b, t)) {
    dGi[d] = 0.0;
    dGi[d + H] = 0.0;
    dGi[d + 2u * H] = 0.0;
    dGh[d] = 0.0;
    dGh[d + H] = 0.0;
    dGh[d + 2u * H] = 0.0;
    dhState[out] = dh;
    return;
  }
  let row = (t * B + b) * H + j;
  var dhTotal = dh;
  if (u.hasDy != 0u) { dhTotal = dhTotal + dy[row]; }
  let r = reserve[u.rSection + row];
  let z = reserve[u.zSection + row];
  let n = reserve[u.nSection + row];
  let dn = dhTotal * (1.0 - z) * (1.0 - n * n);
  let dz = dhTotal * (reserve[u.hPrevSection + row] - n) * z * (1.0 - z);
  let dr = dn * reserve[u.hnSection + row] * r * (1.0 - r);
  dGi[d] = dr;
  dGi[d + H] = dz;
  dGi[d + 2u * H] = dn;
  dGh[d] = dr;
  dGh[d + H] = dz;
  dGh[d + 2u * H] = dn * r;
  dhState[out] = dhTotal * z;
`,
});
