// The WebGPU backend's test files, run by plain Node against whatever adapter Dawn finds:
// the shared conformance suite (webgpu-backend.conformance.test.ts) and the backend-specific
// tests (webgpu-backend.test.ts, kernels/uniform-struct.test.ts: host packers against what
// the shaders read), under the vitest stand-in of vitest-shim.mjs (pack.mjs
// bundles them with 'vitest' aliased to it). One JSON line per test, then a summary line
// {"stage":"conformance","passed","failed","skipped",...}. Exit status 1 when a test failed.
// env: CONFORMANCE_FILTER (a regular expression on "suite > test": run only those).
import { run } from './vitest-shim.mjs';
import '../../../packages/backend-webgpu/src/webgpu-backend.conformance.test.ts';
import '../../../packages/backend-webgpu/src/webgpu-backend.test.ts';
import '../../../packages/backend-webgpu/src/kernels/uniform-struct.test.ts';

const t0 = performance.now();
const pattern = process.env.CONFORMANCE_FILTER ? new RegExp(process.env.CONFORMANCE_FILTER) : null;
const failures: string[] = [];
const counts = await run({
  defaultTimeout: 120_000,
  filter: pattern ? (name: string) => pattern.test(name) : undefined,
  emit: (r: { suite: string; test: string; status: string; ms: number; note?: string }) => {
    if (r.status === 'failed') failures.push(`${r.suite} > ${r.test}: ${r.note ?? ''}`.slice(0, 300));
    console.log(JSON.stringify({ stage: 'conformance-case', ...r }));
  },
});
console.log(JSON.stringify({ stage: 'conformance', ...counts, wall_s: Number(((performance.now() - t0) / 1000).toFixed(1)), failures: failures.slice(0, 20) }));
process.exit(counts.failed > 0 ? 1 : 0);
