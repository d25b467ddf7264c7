/**
 * One forward GRU step (PyTorch's nn.GRU, gate order r, z, n): the recurrent GEMM fused
 * with the gate math. Letters: B batch, H hidden size, T steps. The input projection
 * gx = x·wIhᵀ + bIh of all steps is already in a [T·B, 3H] buffer (one matmul before the
 * time loop).
 *
 *     bindings: 1 wHhT [H, 3H] (read; wHh transposed once per call, so that neighbouring
 *               invocations read neighbouring words), 2 bHh [3H] (read), 3 lengths [B]
 *               (read, i32; a dummy when absent), 4 gx [T·B, 3H] (read), 5 reserve
 *               (read_write; gruReserveLayout), 6 hState [2, B, H] (read_write: ping-pong
 *               halves), 7 y [T, B, H] (read_write)
 *     uniforms: gruStepParams (sections: element offsets of the reserve's parts)
 *
 * Thread mapping (recurrent-step.wgsl.ts): 64 hidden units j × BT batch rows per
 * workgroup; each invocation accumulates the three recurrent products with one vec3 of
 * wHhT per k, reused for all BT rows. Then per (b, j):
 *
 *     r = σ(gx_r + h·Whrᵀ + b_hr);  z = σ(gx_z + h·Whzᵀ + b_hz)
 *     hn = h·Whnᵀ + b_hn;  n = tanh(gx_n + r·hn);  h' = n + z·(h − n)  (= (1−z)·n + z·h)
 *
 * and the reserve keeps r, z, n, hn and h before the step. A sample with t >= lengths[b]
 * keeps h, outputs 0 and leaves zeros in the reserve. Grid: (⌈H/64⌉, ⌈B/BT⌉).
 */
import { forwardStepKernel } from './recurrent-step.wgsl.js';

export const { params: gruStepParams, kernel: gruStepKernel } = forwardStepKernel({
  name: 'gru-step',
  gates: 3,
  sections: ['r', 'z', 'n', 'hn', 'hPrev'],
  read: ['wHhT', 'bHh', 'lengths', 'gx'],
  readWrite: ['reserve', 'hState', 'y'],
  // Gate math and state update for (b, j), given h·Whᵀ of the three gates.
  finish: /* wgsl */ `
  let row = (t * B + b) * H + j;
  let hOld = hState[u.readHalf * B * H + s];
  let out = (1u - u.readHalf) * B * H + s;
  if (u.hasLengths != 0u && i32(t) >= lengths[b]) {
    reserve[u.rSection + row] = 0.0;
    reserve[u.zSection + row] = 0.0;
    reserve[u.nSection + row] = 0.0;
    reserve[u.hnSection + row] = 0.0;
    reserve[u.hPrevSection + row] = 0.0;
    hState[out] = hOld;
    y[row] = 0.0;
    return;
  }
  let g = (t * B + b) * 3u * H + j;
  let r = sigmoid_acc(gx[g] + (recurrent.x + bHh[j]));
  let z = sigmoid_acc(gx[g + H] + (recurrent.y + bHh[j + H]));
  let hn = recurrent.z + bHh[j + 2u * H];
  let n = tanh_acc(gx[g + 2u * H] + r * hn);
  let hNew = n + z * (hOld - n);
  reserve[u.rSection + row] = r;
  reserve[u.zSection + row] = z;
  reserve[u.nSection + row] = n;
  reserve[u.hnSection + row] = hn;
  reserve[u.hPrevSection + row] = hOld;
  hState[out] = hNew;
  y[row] = hNew;
`,
});
