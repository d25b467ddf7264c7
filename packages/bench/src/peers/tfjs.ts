// TensorFlow.js peer runner, one (variant, workload) per process, one JSON line out.
// usage: tfjs.ts <cpu|wasm-simd|wasm-threads|wasm-nosimd> <W1|W2|W3|W4|MM> [--quick]
// env: WASM_THREADS (wasm-threads: thread count; default = os.availableParallelism())
//      WASM_NO_FAKE_CORES=1 (wasm-threads: keep tfjs's logical-cores/2 cap, see the shim)
// Adapted from ../shared/design/peer-bench/bench-tfjs.mjs (same models and timed calls).
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { WORKLOADS, seededFloat32, seededLabels, type Workload } from '../workloads.js';
import { timeIt, timingPlan } from '../timing.js';
import { errorResult, resultFor } from '../result.js';

type Tf = typeof import('@tensorflow/tfjs');
type TfWasm = typeof import('@tensorflow/tfjs-backend-wasm');

const require = createRequire(import.meta.url);
const VARIANTS = ['cpu', 'wasm-simd', 'wasm-threads', 'wasm-nosimd'] as const;
type Variant = (typeof VARIANTS)[number];

async function setup(variant: Variant, details: Record<string, unknown>): Promise<Tf> {
  const tf = require('@tensorflow/tfjs') as Tf;
  details.tfjs_version = tf.version.tfjs;
  if (variant === 'cpu') {
    if (!(await tf.setBackend('cpu'))) throw new Error('setBackend(cpu) failed');
  } else {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as TfWasm;
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
    wasm.setWasmPaths(dist);
    tf.env().set('WASM_HAS_SIMD_SUPPORT', variant !== 'wasm-nosimd');
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

async function run(variant: Variant, w: Workload, quick: boolean, system: string): Promise<void> {
  const details: Record<string, unknown> = {};
  const tf = await setup(variant, details);
  let fn: () => Promise<void>;
  if (w.kind === 'matmul') {
    const n = w.E;
    const a = tf.tensor2d(seededFloat32(n * n, 1), [n, n]);
    const b = tf.tensor2d(seededFloat32(n * n, 2), [n, n]);
    fn = async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    };
  } else {
    const { B, T, E, H } = w;
    const x = tf.tensor3d(seededFloat32(B * T * E, 7), [B, T, E]);
    // Seeded glorotUniform: reproducible, and tfjs's default orthogonal initializer is very slow for H = 512.
    const lstmCfg = {
      units: H,
      inputShape: [T, E],
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      biasInitializer: 'zeros' as const,
      unitForgetBias: true,
    };
    const model = tf.sequential();
    if (w.kind === 'train') {
      model.add(tf.layers.lstm({ ...lstmCfg, returnSequences: false }));
      model.add(tf.layers.dense({ units: w.classes!, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
      const y = tf.oneHot(tf.tensor1d(seededLabels(B, w.classes!), 'int32'), w.classes!).toFloat();
      const opt = tf.train.adam(1e-3);
      fn = async () => {
        const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as import('@tensorflow/tfjs').Tensor) as import('@tensorflow/tfjs').Scalar, true);
        if (!loss) throw new Error('minimize returned no loss');
        details.last_loss = (await loss.data())[0];
        loss.dispose();
      };
      details.api = 'tf.sequential([lstm, dense(10)]); adam(1e-3).minimize(softmaxCrossEntropy) on the last h';
    } else {
      model.add(tf.layers.lstm({ ...lstmCfg, returnSequences: true }));
      fn = async () => {
        const out = model.predict(x, { batchSize: B }) as import('@tensorflow/tfjs').Tensor;
        await out.data();
        out.dispose();
      };
      details.api = 'tf.sequential([tf.layers.lstm({returnSequences: true})]).predict';
    }
  }
  const timing = await timeIt(fn, timingPlan(w, quick));
  details.tensors_alive = tf.memory().numTensors;
  console.log(JSON.stringify(resultFor(w, system, timing, details)));
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const [variant, workloadId] = args.filter((a) => !a.startsWith('--')) as [Variant | undefined, string | undefined];
const system = `tfjs-${variant ?? '?'}`;
const fail = (e: unknown) => {
  console.log(JSON.stringify(errorResult(workloadId ?? '?', system, e)));
  process.exit(1);
};
process.on('unhandledRejection', fail);
try {
  const w = WORKLOADS[workloadId as Workload['id']];
  if (!variant || !VARIANTS.includes(variant) || !w) throw new Error(`usage: tfjs.ts <${VARIANTS.join('|')}> <W1|W2|W3|W4|MM> [--quick]`);
  await run(variant, w, quick, system);
  process.exit(0); // the threaded backend's workers would keep the process alive
} catch (e) {
  fail(e);
}
