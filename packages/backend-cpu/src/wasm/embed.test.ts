// The embedded WebAssembly (src/wasm/kernels.wasm.ts) is generated from assembly/*.ts by
// scripts/wasm-build.ts. A stale embed fails here: the recorded hash of the sources,
// compiler version and flags must match the sources in the tree. (`pnpm check:wasm`
// rebuilds and compares the bytes; CI runs it.)
import { describe, expect, it } from 'vitest';
import { wasmSourceHash } from '../../scripts/wasm-build.js';
import { WASM_MT_BASE64, WASM_MT_RELAXED_BASE64, WASM_SOURCE_HASH, WASM_ST_BASE64, WASM_ST_RELAXED_BASE64 } from './kernels.wasm.js';
import { availableCores, relaxedSimdSupported, sharedMemorySupported, wasmSimdSupported, workersSupported } from './platform.js';

const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

describe('embedded WebAssembly kernels', () => {
  it('were built from the AssemblyScript sources in the tree (else: pnpm --filter @cellstate/backend-cpu build:wasm)', () => {
    expect(WASM_SOURCE_HASH).toBe(wasmSourceHash());
  });

  it.skipIf(!wasmSimdSupported())(`validate and import only their memory: plain in the one-thread build, shared in the threads build${wasmSimdSupported() ? '' : ' [skipped: this runtime has no WebAssembly SIMD]'}`, () => {
    const builds = [[WASM_ST_BASE64, false], [WASM_MT_BASE64, true]] as [string, boolean][];
    if (relaxedSimdSupported()) builds.push([WASM_ST_RELAXED_BASE64, false], [WASM_MT_RELAXED_BASE64, true]);
    for (const [b64, shared] of builds) {
      const module = new WebAssembly.Module(bytes(b64));
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      const exported = WebAssembly.Module.exports(module).map((e) => e.name);
      expect(exported).toEqual(expect.arrayContaining(['gemm', 'lstmForward', 'lstmBackward', 'adam', 'softmaxXent', 'bernoulli', 'GEMM_SCRATCH_BYTES', 'MR', 'NR']));
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared });
      expect(() => new WebAssembly.Instance(module, { env: { memory } })).not.toThrow();
    }
  });

  it('carry no data segment: every worker thread instantiates the module over the shared memory, and a data segment would be rewritten over the control area at each start', () => {
    for (const b64 of [WASM_ST_BASE64, WASM_MT_BASE64, WASM_ST_RELAXED_BASE64, WASM_MT_RELAXED_BASE64]) {
      const b = bytes(b64);
      const sections: number[] = [];
      // Walk the sections: id byte, LEB128 size, payload (after the 8-byte header).
      for (let i = 8; i < b.length; ) {
        const id = b[i++]!;
        let size = 0;
        for (let shift = 0; ; shift += 7) {
          const x = b[i++]!;
          size |= (x & 127) << shift;
          if (!(x & 128)) break;
        }
        sections.push(id);
        i += size;
      }
      expect(sections).toContain(10); // code
      expect(sections, 'data section (11): e.g. Math.log pulls in lookup tables').not.toContain(11);
    }
  });
});

describe('relaxed SIMD builds', () => {
  it('differ from the SIMD128 builds only where they may: they fail validation without relaxed SIMD and pass with it', () => {
    // The SIMD128 builds must never need relaxed SIMD (they are the fallback), and the
    // relaxed builds must really use it (else the variant is pointless).
    expect(WebAssembly.validate(bytes(WASM_ST_BASE64))).toBe(true);
    expect(WebAssembly.validate(bytes(WASM_ST_RELAXED_BASE64))).toBe(relaxedSimdSupported());
    expect(bytes(WASM_ST_RELAXED_BASE64)).not.toEqual(bytes(WASM_ST_BASE64));
  });

  it('are available to this test run (vitest.config passes --experimental-wasm-relaxed-simd on Node 20), so the default suites check them', () => {
    expect(relaxedSimdSupported()).toBe(true);
  });
});

describe('platform detection (Node)', () => {
  it('finds SIMD, shared memory, worker threads and the core count', () => {
    expect(wasmSimdSupported()).toBe(true);
    expect(sharedMemorySupported()).toBe(true);
    expect(workersSupported()).toBe(true);
    expect(availableCores()).toBeGreaterThanOrEqual(1);
  });

  it('takes the core count from CELLSTATE_CPU_THREADS when set, and names the variable when it is not a positive integer', () => {
    const saved = process.env.CELLSTATE_CPU_THREADS;
    try {
      process.env.CELLSTATE_CPU_THREADS = '3';
      expect(availableCores()).toBe(3);
      process.env.CELLSTATE_CPU_THREADS = '';
      expect(availableCores()).toBeGreaterThanOrEqual(1);
      for (const bad of ['0', '-2', '1.5', 'two']) {
        process.env.CELLSTATE_CPU_THREADS = bad;
        expect(() => availableCores()).toThrow(/CELLSTATE_CPU_THREADS must be a positive integer/);
      }
    } finally {
      if (saved === undefined) delete process.env.CELLSTATE_CPU_THREADS;
      else process.env.CELLSTATE_CPU_THREADS = saved;
    }
  });
});
