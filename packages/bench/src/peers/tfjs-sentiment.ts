// TensorFlow.js peer for W7: one whole training step of the shipped airline sentiment model,
// one process, one JSON line out (the format of result.ts).
// usage: tfjs-sentiment.ts [wasm-simd|wasm-threads|cpu] [--quick]      (default wasm-simd, 1 thread)
// env: WASM_THREADS (wasm-threads: thread count; default = os.availableParallelism())
//      WASM_NO_FAKE_CORES=1 (wasm-threads: keep tfjs's logical-cores/2 cap, see the shim)
//
// The model is `@cellstate/sentiment`'s SentimentModel with the shipped configuration, in
// tf.layers, called eagerly: embedding(V, 100) -> dropout(0.25) -> bidirectional(lstm(64,
// returnSequences, unitForgetBias), concat) with the batch's mask, so each tweet runs over its
// real length (tfjs still computes every padded step and carries the state through it) ->
// mean and max pooling over the real steps (masked with ops) -> dropout(0.5) -> dense(3);
// class-weighted softmax cross-entropy (PyTorch's weighted mean), tf.variableGrads,
// clip by global norm 5 (a non-finite loss or norm skips the update), adam(2e-3).applyGradients.
// Batches, config and class weights come from the W7 batch file (src/whole-step/sentiment-data.ts),
// the same one the cellstate and PyTorch runners read; one batch per step, cycled in file order.
//
// tfjs-backend-wasm 4.22 has no UnsortedSegmentSum kernel, which the gradient of the
// embedding's gather needs; it is registered here for 'wasm' as the backend's own ScatterNd
// kernel (which sums duplicate indices), see `registerSegmentSumForWasm`.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { timeIt, timingPlan } from '../timing.js';
import { errorResult, sig, timedResult } from '../result.js';
import type { Workload } from '../workloads.js';
import { meanStepFlops, sentimentBatches } from '../whole-step/sentiment-data.js';

type Tf = typeof import('@tensorflow/tfjs');
type TfWasm = typeof import('@tensorflow/tfjs-backend-wasm');
type Tensor = import('@tensorflow/tfjs').Tensor;

const require = createRequire(import.meta.url);
const VARIANTS = ['wasm-simd', 'wasm-threads', 'cpu'] as const;
type Variant = (typeof VARIANTS)[number];
const W7 = 'W7';
// timingPlan only looks at `kind` (and at the id for W4's skip rule): W7 is a training step.
const PLAN_OF = { id: W7, kind: 'train' } as unknown as Pick<Workload, 'id' | 'kind'>;

/** Backend set-up as in tfjs.ts (same variants, same thread handling). */
async function setup(variant: Variant, details: Record<string, unknown>): Promise<Tf> {
  const tf = require('@tensorflow/tfjs') as Tf;
  details.tfjs_version = tf.version.tfjs;
  if (variant === 'cpu') {
    if (!(await tf.setBackend('cpu'))) throw new Error('setBackend(cpu) failed');
  } else {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as TfWasm;
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
    wasm.setWasmPaths(dist);
    tf.env().set('WASM_HAS_SIMD_SUPPORT', true);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', variant === 'wasm-threads');
    if (variant === 'wasm-threads') {
      const { installWasmThreadsShim, fakeLogicalCores } = await import('./wasm-threads-node-shim.js');
      installWasmThreadsShim(dist);
      const n = Number(process.env.WASM_THREADS || os.availableParallelism());
      if (process.env.WASM_NO_FAKE_CORES !== '1') {
        fakeLogicalCores(2 * n);
        details.faked_logical_cores = 2 * n;
      }
      wasm.setThreadsCount(n);
      details.wasm_threads_requested = n;
    }
    registerSegmentSumForWasm(tf);
    details.shim = 'UnsortedSegmentSum (embedding gradient) registered for wasm as its ScatterNd kernel';
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) failed');
    details.wasm_threads = wasm.getThreadsCount();
    details.wasm_simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    details.threads = details.wasm_threads;
  }
  await tf.ready();
  details.active_backend = tf.getBackend();
  if (variant === 'cpu') details.threads = 1;
  return tf;
}

/**
 * unsortedSegmentSum(x, segmentIds, n) = scatterND(segmentIds as [N, 1], x as [N, ...inner],
 * [n, ...inner]): the wasm backend's ScatterNd adds the updates of repeated indices.
 */
function registerSegmentSumForWasm(tf: Tf): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  type KernelFunc = import('@tensorflow/tfjs').KernelFunc;
  type TensorInfo = import('@tensorflow/tfjs').TensorInfo;
  const kernel = (name: string) => {
    const k = tf.getKernel(name, 'wasm');
    if (!k) throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
    return k.kernelFunc as KernelFunc;
  };
  const reshape = kernel('Reshape');
  const scatterNd = kernel('ScatterNd');
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const k = segmentIds.shape.length;
      const n = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
      const inner = x.shape.slice(k);
      const indices = reshape({ inputs: { x: segmentIds }, attrs: { shape: [n, 1] }, backend }) as TensorInfo;
      const updates = reshape({ inputs: { x }, attrs: { shape: [n, ...inner] }, backend }) as TensorInfo;
      const out = scatterNd({ inputs: { indices, updates }, attrs: { shape: [numSegments, ...inner] }, backend }) as TensorInfo;
      const b = backend as { disposeData(id: object): void };
      b.disposeData(indices.dataId);
      b.disposeData(updates.dataId);
      return out;
    },
  });
}

async function run(variant: Variant, quick: boolean, system: string): Promise<void> {
  const details: Record<string, unknown> = {};
  const tf = await setup(variant, details);
  const file = sentimentBatches();
  const cfg = file.modelConfig;
  const t = file.training;
  if (cfg.numLayers !== 1 || !cfg.bidirectional || cfg.pooling.join() !== 'mean,max') throw new Error(`this runner builds the shipped architecture (1 bidirectional layer, mean+max pooling), not ${JSON.stringify(cfg)}`);
  const { vocabSize: V, embeddingDim: E, hiddenSize: H, numLabels: C } = cfg;

  // Layers (seeded initialisers; tfjs's default orthogonal recurrent initializer is not seeded).
  const embedding = tf.layers.embedding({ inputDim: V, outputDim: E, embeddingsInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: 1 }) });
  const embeddingDropout = tf.layers.dropout({ rate: cfg.embeddingDropout, seed: 2 });
  const bilstm = tf.layers.bidirectional({
    layer: tf.layers.lstm({
      units: H,
      returnSequences: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: 4 }),
      biasInitializer: 'zeros',
      unitForgetBias: true,
    }) as import('@tensorflow/tfjs').RNN,
    mergeMode: 'concat',
  });
  const dropout = tf.layers.dropout({ rate: cfg.dropout, seed: 5 });
  const dense = tf.layers.dense({ units: C, kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) });

  // The batches as tensors, once (the file's `padded` is makeBatch's layout, batch-major).
  const classWeights = tf.tensor1d(file.classWeights);
  const batches = file.batches.map((b) => tf.tidy(() => {
    const B = b.lengths.length;
    const m = b.padded.map((_, i) => Array.from({ length: b.T }, (__, s) => (s < b.lengths[i]! ? 1 : 0)));
    const mask = tf.tensor2d(m, [B, b.T]); // [B, T], 1 on real steps
    const mask3 = mask.reshape([B, b.T, 1]);
    return {
      ids: tf.tensor2d(b.padded, [B, b.T], 'int32'),
      mask,
      mask3,
      maxFill: tf.mul(tf.sub(1, mask3), -1e4), // -1e4 on padded steps: max pooling ignores them
      lengths: tf.tensor2d(b.lengths, [B, 1]),
      onehot: tf.oneHot(tf.tensor1d(b.labels, 'int32'), C).toFloat(),
      rowWeight: tf.gather(classWeights, tf.tensor1d(b.labels, 'int32')), // w[y_n]
    };
  }));

  type BatchT = (typeof batches)[number];
  const lossOf = (b: BatchT): import('@tensorflow/tfjs').Scalar =>
    tf.tidy(() => {
      const x = embeddingDropout.apply(embedding.apply(b.ids), { training: true }) as Tensor; // [B, T, E]
      const out = bilstm.apply(x, { mask: b.mask, training: true }) as Tensor; // [B, T, 2H]
      const mean = tf.div(tf.sum(tf.mul(out, b.mask3), 1), b.lengths);
      const max = tf.max(tf.add(tf.mul(out, b.mask3), b.maxFill), 1);
      const features = tf.concat([mean, max], 1); // [B, 4H]
      const logits = dense.apply(dropout.apply(features, { training: true }), { training: true }) as Tensor; // [B, C]
      // F.cross_entropy(logits, y, weight=w): sum_n w[y_n]·(-log softmax(x_n)[y_n]) / sum_n w[y_n]
      const nll = tf.neg(tf.sum(tf.mul(b.onehot, tf.logSoftmax(logits)), 1));
      return tf.div(tf.sum(tf.mul(nll, b.rowWeight)), tf.sum(b.rowWeight)) as import('@tensorflow/tfjs').Scalar;
    });

  // Build every layer once (creates the variables), then collect them.
  tf.dispose(lossOf(batches[0]!));
  const vars = [embedding, bilstm, dense].flatMap((l) => l.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs').Variable));
  details.parameters = vars.reduce((n, v) => n + v.size, 0);
  const optimizer = tf.train.adam(t.learningRate, t.beta1, t.beta2, t.epsilon);

  let i = 0;
  let skipped = 0;
  const step = async () => {
    const b = batches[i % batches.length]!;
    i++;
    const { value, grads } = tf.variableGrads(() => lossOf(b), vars);
    const { norm, clipped } = tf.tidy(() => {
      const list = Object.values(grads);
      const total = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
      const coefficient = tf.minimum(tf.div(t.clipGradNorm, tf.add(total, 1e-6)), 1); // PyTorch's clip_grad_norm_
      const out: Record<string, Tensor> = {};
      for (const [name, g] of Object.entries(grads)) out[name] = tf.mul(g, coefficient);
      return { norm: total, clipped: out };
    });
    const [lossValue, normValue] = await Promise.all([value.data(), norm.data()]);
    details.last_loss = sig(lossValue[0]!, 5);
    if (Number.isFinite(lossValue[0]) && Number.isFinite(normValue[0])) optimizer.applyGradients(clipped as unknown as Parameters<typeof optimizer.applyGradients>[0]);
    else skipped++;
    tf.dispose([value, norm, grads, clipped]);
    // Adam's update is queued on the backend like any kernel: wait for one updated variable.
    await vars[vars.length - 1]!.data();
  };

  const flops = meanStepFlops(file);
  const timing = await timeIt(step, timingPlan(PLAN_OF, quick));
  details.skipped_steps = skipped;
  details.tensors_alive = tf.memory().numTensors;
  details.flops_per_step = Math.round(flops);
  details.api = 'tf.layers embedding + dropout + bidirectional(lstm, mask) + dense called eagerly, masked mean/max pooling, weighted softmax CE; tf.variableGrads, clip by global norm 5, adam.applyGradients';
  const sec = timing.medianSec;
  console.log(
    JSON.stringify(
      timedResult(W7, system, timing, file.spec.batchSize, flops, details),
    ),
  );
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const variant = (args.filter((a) => !a.startsWith('--'))[0] ?? 'wasm-simd') as Variant;
const system = `tfjs-${variant}`;
const fail = (e: unknown) => {
  console.log(JSON.stringify(errorResult(W7, system, e)));
  process.exit(1);
};
process.on('unhandledRejection', fail);
try {
  if (!VARIANTS.includes(variant)) throw new Error(`usage: tfjs-sentiment.ts [${VARIANTS.join('|')}] [--quick]`);
  await run(variant, quick, system);
  process.exit(0); // the threaded backend's workers would keep the process alive
} catch (e) {
  fail(e);
}
