import { beforeAll, describe, expect, it } from 'vitest';
import '@cellstate/backend-cpu';
import { scope, tensor } from '@cellstate/tensor';
import { kerasToPytorch, onnxToPytorch, pytorchToKeras, pytorchToOnnx, reorderGateBlocks } from './weight-layout.js';
import { LSTM } from './lstm-layer.js';
import { useBackend, seeded } from './test-setup.js';

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** One step of a Keras LSTM, written from the Keras equations: z = x·kernel + h·recurrent + bias, gates i, f, c, o. */
function kerasStep(x: number[], h: number[], c: number[], kernel: Float32Array, rec: Float32Array, bias: Float32Array, I: number, H: number) {
  const z = new Array<number>(4 * H).fill(0);
  for (let j = 0; j < 4 * H; j++) {
    let acc = bias[j]!;
    for (let k = 0; k < I; k++) acc += x[k]! * kernel[k * 4 * H + j]!;
    for (let k = 0; k < H; k++) acc += h[k]! * rec[k * 4 * H + j]!;
    z[j] = acc;
  }
  const cn = c.map((cv, j) => sig(z[H + j]!) * cv + sig(z[j]!) * Math.tanh(z[2 * H + j]!));
  return { h: cn.map((cv, j) => sig(z[3 * H + j]!) * Math.tanh(cv)), c: cn };
}

/** One step of an ONNX LSTM (operator spec, default activations): gates i, o, f, c; B = [Wb, Rb]. */
function onnxStep(x: number[], h: number[], c: number[], W: Float32Array, R: Float32Array, B: Float32Array, I: number, H: number) {
  const gate = (g: number, j: number) => {
    const row = g * H + j;
    let acc = B[row]! + B[4 * H + row]!;
    for (let k = 0; k < I; k++) acc += W[row * I + k]! * x[k]!;
    for (let k = 0; k < H; k++) acc += R[row * H + k]! * h[k]!;
    return acc;
  };
  const cn = c.map((cv, j) => sig(gate(2, j)) * cv + sig(gate(0, j)) * Math.tanh(gate(3, j)));
  return { h: cn.map((cv, j) => sig(gate(1, j)) * Math.tanh(cv)), c: cn };
}

describe('weight layouts', () => {
  beforeAll(async () => {
    await useBackend('reference');
  });

  it('reorders gate blocks', () => {
    expect(Array.from(reorderGateBlocks([1, 1, 2, 2, 3, 3, 4, 4], 1, ['a', 'b', 'c', 'd'], ['d', 'a', 'c', 'b']))).toEqual([4, 4, 1, 1, 3, 3, 2, 2]);
    expect(() => reorderGateBlocks([1, 2, 3], 1, ['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd'])).toThrow(/not 4 blocks/);
  });

  it('Keras weights converted to PyTorch layout give the Keras equations, and round-trip', () => {
    const I = 3, H = 2;
    const r = seeded(10);
    const keras = { kernel: Float32Array.from(r(I * 4 * H)), recurrentKernel: Float32Array.from(r(H * 4 * H)), bias: Float32Array.from(r(4 * H)) };
    const torch = kerasToPytorch(keras, I, H);
    const back = pytorchToKeras(torch, I, H);
    expect(Array.from(back.kernel)).toEqual(Array.from(keras.kernel));
    expect(Array.from(back.recurrentKernel)).toEqual(Array.from(keras.recurrentKernel));
    back.bias.forEach((v, i) => expect(v).toBeCloseTo(keras.bias[i]!, 6));
    const lstm = new LSTM({ inputSize: I, hiddenSize: H });
    scope(() => {
      lstm.loadStateDict({ weight_ih_l0: tensor(torch.weightIh, [4 * H, I]), weight_hh_l0: tensor(torch.weightHh, [4 * H, H]), bias_ih_l0: tensor(torch.biasIh, [4 * H]), bias_hh_l0: tensor(torch.biasHh, [4 * H]) });
      const xs = [r(I), r(I)];
      const out = lstm.forward(tensor(xs.flat(), [2, 1, I])).output.dataSync();
      let s = { h: [0, 0], c: [0, 0] };
      xs.forEach((x, t) => {
        s = kerasStep(x, s.h, s.c, keras.kernel, keras.recurrentKernel, keras.bias, I, H);
        s.h.forEach((v, j) => expect(out[t * H + j]).toBeCloseTo(v, 6));
      });
    });
    lstm.dispose();
  });

  it('ONNX weights (i, o, f, c; bidirectional) converted to PyTorch layout give the ONNX equations, and round-trip', () => {
    const I = 2, H = 3, D = 2;
    const r = seeded(11);
    const onnx = { W: Float32Array.from(r(D * 4 * H * I)), R: Float32Array.from(r(D * 4 * H * H)), B: Float32Array.from(r(D * 8 * H)) };
    const dirs = onnxToPytorch(onnx, I, H, 2);
    const back = pytorchToOnnx(dirs, I, H);
    expect(Array.from(back.W)).toEqual(Array.from(onnx.W));
    expect(Array.from(back.R)).toEqual(Array.from(onnx.R));
    expect(Array.from(back.B)).toEqual(Array.from(onnx.B));
    const lstm = new LSTM({ inputSize: I, hiddenSize: H, bidirectional: true });
    scope(() => {
      const state: Record<string, ReturnType<typeof tensor>> = {};
      dirs.forEach((w, d) => {
        const sfx = d ? '_l0_reverse' : '_l0';
        state[`weight_ih${sfx}`] = tensor(w.weightIh, [4 * H, I]);
        state[`weight_hh${sfx}`] = tensor(w.weightHh, [4 * H, H]);
        state[`bias_ih${sfx}`] = tensor(w.biasIh, [4 * H]);
        state[`bias_hh${sfx}`] = tensor(w.biasHh, [4 * H]);
      });
      lstm.loadStateDict(state);
      const T = 3;
      const xs = Array.from({ length: T }, () => r(I));
      const out = lstm.forward(tensor(xs.flat(), [T, 1, I])).output.dataSync();
      for (let d = 0; d < D; d++) {
        const W = onnx.W.subarray(d * 4 * H * I), R = onnx.R.subarray(d * 4 * H * H), B = onnx.B.subarray(d * 8 * H);
        let s = { h: [0, 0, 0], c: [0, 0, 0] };
        for (let k = 0; k < T; k++) {
          const t = d ? T - 1 - k : k;
          s = onnxStep(xs[t]!, s.h, s.c, W, R, B, I, H);
          s.h.forEach((v, j) => expect(out[t * 2 * H + d * H + j]).toBeCloseTo(v, 6));
        }
      }
    });
    lstm.dispose();
  });

  it('reports a wrong length with the expected shape', () => {
    expect(() => kerasToPytorch({ kernel: new Float32Array(5), recurrentKernel: new Float32Array(16), bias: new Float32Array(8) }, 3, 2)).toThrow(/kernel has 5 values; expected \[3, 8\]/);
  });
});
