// Test helpers (not exported, not published): checks the LSTM and GRU tests share.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, Linear, crossEntropyLoss, type Module } from '@cellstate/nn';
import { backward, memory, noGrad, readMany, registerBackend, removeBackend, reshape, scope, setBackend, slice, tensor, type Backend, type Tensor } from '@cellstate/tensor';
import { expectClose, type GradientCheckResult, type ReferenceBackend } from '@cellstate/tensor/testing';
import type { RecurrentOptions } from './recurrent-options.js';
import { SWIFTSHADER_ICD } from '../../../tools/browser/chromium.ts';
import { dawnMissing, skipTitle } from '../../../tools/test-env/requirements.ts';
import { seeded, useBackend } from './test-setup.js';

// ---------------------------------------------------------------------------------------
// PyTorch fixtures

/** A state dict as the fixture scripts write it (tools/fixtures). */
export type FixtureStateDict = Record<string, { shape: number[]; values: number[] }>;

/** The backends fixtures run on, each with its tolerance: float64 reference, then cpu. */
const FIXTURE_BACKENDS: ['reference' | 'cpu', number][] = [
  ['reference', 1e-7],
  ['cpu', 1e-5],
];

/** `describe.each` over the fixture backends (`%s` in the title is the backend); `body` gets the tolerance. */
export function describeOnFixtureBackends(title: string, body: (tol: number) => void) {
  describe.each(FIXTURE_BACKENDS)(title, (backendName, tol) => {
    beforeAll(async () => {
      await useBackend(backendName);
    });
    afterAll(async () => {
      await setBackend('cpu');
    });
    body(tol);
  });
}

/**
 * Builds a module, loads a fixture's state dict into it (the parameter names must be
 * the fixture's), runs `body` in a scope, disposes the module and checks that no handle
 * and no tape node is left.
 */
export function withFixtureModule<M extends Module>(create: () => M, stateDict: FixtureStateDict, body: (module: M) => void) {
  const before = memory();
  const module = create();
  module.loadStateDict(new Map(Object.entries(stateDict).map(([k, v]) => [k, tensor(v.values, v.shape)])));
  expect(module.namedParameters().map(([n]) => n).sort()).toEqual(Object.keys(stateDict).sort());
  scope(() => body(module));
  module.dispose();
  expect(memory().handles).toBe(before.handles);
  expect(memory().tapeNodes).toBe(0);
}

/**
 * The gradients of `loss` with respect to every parameter of `module` and to each of
 * `inputs` (`[label, tensor, PyTorch's gradient]`, checked as `grad <label>`; one whose
 * tensor is undefined, an input the fixture does not have, is skipped) against the
 * fixture's.
 */
export function expectFixtureGradients(loss: Tensor, module: Module, paramGrads: Record<string, number[]>, inputs: [string, Tensor | undefined, number[] | null][], tol: number) {
  const given = inputs.flatMap(([label, t, expected]) => (t ? [{ label, t, expected: expected! }] : []));
  const params = module.namedParameters();
  const grads = backward(loss, { inputs: [...params.map(([, p]) => p.value), ...given.map(({ t }) => t)] });
  for (const [name, p] of params) expectClose(grads.get(p.value)!.dataSync(), paramGrads[name]!, { atol: tol, label: `grad ${name}` });
  for (const { label, t, expected } of given) expectClose(grads.get(t)!.dataSync(), expected, { atol: tol, label: `grad ${label}` });
}

// ---------------------------------------------------------------------------------------
// Finite differences (float64 reference backend)

/** Every input's analytic gradient from `checkGradients` within `tol` of its numeric one. */
export function expectInputGradients(check: GradientCheckResult, tol: number) {
  for (const { index, analytic, numeric } of check.inputs) {
    numeric.forEach((n, j) => expect(Math.abs(analytic[j]! - n), `input ${index}[${j}]`).toBeLessThan(tol));
  }
}

/**
 * The gradient of the scalar `objective` with respect to every parameter of `module`
 * against central differences (step 1e-6, within 1e-6): each value is perturbed in
 * place through `Parameter.assign`, then restored. Runs on the float64 reference
 * backend, inside the caller's scope.
 */
export function expectParameterGradients(module: Module, objective: () => Tensor) {
  const grads = backward(objective());
  const eps = 1e-6;
  for (const [name, p] of module.namedParameters()) {
    const analytic = grads.get(p.value)!.dataSync();
    const base = (p.value.backend as ReferenceBackend).readFloat64(p.value.handle);
    const at = (values: Float64Array) => {
      p.assign(tensor(values, p.shape));
      return noGrad(() =>
        scope(() => {
          const o = objective();
          return (o.backend as ReferenceBackend).readFloat64(o.handle)[0]!;
        }),
      );
    };
    for (let j = 0; j < base.length; j++) {
      const plus = base.slice();
      plus[j]! += eps;
      const minus = base.slice();
      minus[j]! -= eps;
      const numeric = (at(plus) - at(minus)) / (2 * eps);
      expect(Math.abs(analytic[j]! - numeric), `${name}[${j}]`).toBeLessThan(1e-6);
    }
    p.assign(tensor(base, p.shape));
  }
}

// ---------------------------------------------------------------------------------------
// Cells against layers

/**
 * Loads a one-layer `layer`'s weights into `cell` (names without `_l0`), then for
 * B = 1 and B = 3 hands `check` a random time-major input [T = 5, B, I] (seeded(2)) in
 * a scope; checks nothing leaked and disposes both.
 */
export function streamAgainstLayer(layer: Module, cell: Module, inputSize: number, check: (x: Tensor, B: number, T: number) => void) {
  const r = seeded(2);
  cell.loadStateDict(new Map(layer.namedParameters().map(([n, p]) => [n.replace('_l0', ''), reshape(p.value, p.shape)])));
  const before = memory();
  for (const B of [1, 3]) {
    scope(() => {
      const T = 5;
      const x = tensor(r(T * B * inputSize), [T, B, inputSize]);
      check(x, B, T);
    });
  }
  expect(memory().handles).toBe(before.handles);
  layer.dispose();
  cell.dispose();
}

// ---------------------------------------------------------------------------------------
// WebGPU against cpu

/**
 * A WebGPU backend through Dawn, software adapters allowed (SwiftShader: Chromium's
 * Vulkan ICD is used when VK_ICD_FILENAMES is not set), or null with the reason.
 */
export async function webGpuForTests(): Promise<{ gpu: Backend | null; reason: string }> {
  // Checked before Dawn starts: without a Vulkan loader it prints warnings and finds nothing.
  const missing = dawnMissing();
  if (missing) return { gpu: null, reason: missing };
  const ICD = SWIFTSHADER_ICD;
  if (!process.env.VK_ICD_FILENAMES && existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;
  let gpu: Backend | null = null;
  let reason = '';
  try {
    const { createWebGpuBackend } = await import('@cellstate/backend-webgpu/node');
    gpu = await createWebGpuBackend({ allowSoftware: true });
    if (!gpu) reason = 'no WebGPU adapter (Dawn found none)';
  } catch (error) {
    reason = `WebGPU could not start: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { gpu, reason };
}

/** A recurrent layer in the WebGPU-vs-cpu training step. */
export interface TrainingStepLayer<L extends Module> {
  /** Prefix of its parameter names (`lstm`, `gru`); upper-cased, the suite's title. */
  name: string;
  /** Seed of the random input (and initial state). */
  seed: number;
  /** Also draws an initial hidden state h0 [4, B, H], after the input. */
  h0: boolean;
  create(options: RecurrentOptions): L;
  forward(layer: L, x: Tensor, h0: Tensor | undefined, lengths: number[] | undefined): { output: Tensor; h: Tensor };
}

/**
 * On `backendName`: a 2-layer bidirectional layer (T 7, B 3, I 5, H 6) and a linear head
 * over the first step's output, cross-entropy, backward and one Adam step. Returns the
 * output, the top layer's final h, the loss and every parameter after the step.
 */
async function trainingStep<L extends Module>(backendName: string, lengths: number[] | undefined, spec: TrainingStepLayer<L>) {
  await setBackend(backendName);
  const T = 7, B = 3, I = 5, H = 6, C = 4;
  const r = seeded(spec.seed);
  // Counter-based init: the same seeds give the same weights on both backends.
  const layer = spec.create({ inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 3 });
  const head = new Linear(2 * H, C, { seed: 4 });
  const params = [...layer.namedParameters().map(([n, p]) => [`${spec.name}.${n}`, p] as const), ...head.namedParameters().map(([n, p]) => [`head.${n}`, p] as const)];
  const optimizer = new Adam(params, { learningRate: 0.01 });
  const x = tensor(r(T * B * I), [T, B, I]);
  const h0 = spec.h0 ? tensor(r(4 * B * H), [4, B, H]) : undefined;
  const labels = tensor([0, 3, 1], [B], { dtype: 'int32' });
  const kept = scope(() => {
    const { output, h } = spec.forward(layer, x, h0, lengths);
    const last = reshape(slice(h, [2, 0, 0], [2, B, H]), [2, B, H]);
    const features = reshape(slice(output, [0, 0, 0], [1, B, 2 * H]), [B, 2 * H]);
    const logits = head.forward(features);
    const loss = crossEntropyLoss(logits, labels);
    optimizer.step(backward(loss));
    return [output, last, loss];
  });
  const values = await readMany([...kept, ...params.map(([, p]) => p.value)]);
  for (const t of kept) t.dispose();
  x.dispose();
  h0?.dispose();
  labels.dispose();
  optimizer.dispose();
  layer.dispose();
  head.dispose();
  return values.map((v) => Array.from(v));
}

/**
 * The training step on `gpu` gives the cpu backend's numbers (within 2e-5), without and
 * with lengths; the suite skips, with the reason in its title, where `gpu` is null.
 */
export function describeWebGpuAgreesWithCpu<L extends Module>(gpu: Backend | null, reason: string, spec: TrainingStepLayer<L>) {
  const backendName = `webgpu-${spec.name}-test`;
  describe.skipIf(!gpu)(skipTitle(`${spec.name.toUpperCase()} on webgpu vs cpu`, gpu ? undefined : reason), () => {
    registerBackend(backendName, () => gpu, { priority: -10, autoSelect: false });
    afterAll(async () => {
      removeBackend(backendName);
      await setBackend('cpu');
    });

    for (const lengths of [undefined, [7, 4, 1]]) {
      it(`2-layer bidirectional forward, cross-entropy, BPTT and an Adam step agree${lengths ? ' (with lengths)' : ''}`, async () => {
        const cpu = await trainingStep('cpu', lengths, spec);
        const webgpu = await trainingStep(backendName, lengths, spec);
        const labels = ['output', 'final h of layer 2', 'loss'];
        cpu.forEach((values, k) => {
          const other = webgpu[k]!;
          expect(other.length).toBe(values.length);
          let worst = 0;
          values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - other[i]!))));
          expect(worst, `${labels[k] ?? `parameter ${k - 3} after the Adam step`}: max abs difference ${worst}`).toBeLessThan(2e-5);
        });
      }, 120_000);
    }
  });
}
