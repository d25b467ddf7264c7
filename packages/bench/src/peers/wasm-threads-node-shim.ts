// Makes @tensorflow/tfjs-backend-wasm's *threaded* build start its pthread workers under
// Node.js. It is written for browsers: it spawns workers from blob: URLs, which
// node:worker_threads rejects (ERR_WORKER_PATH), so `setBackend('wasm')` fails.
// Adapted from ../shared/design/peer-bench/wasm-threads-node-shim.mjs. Benchmark-only: it
// changes no kernel. What it does (call install() before the backend initialises):
//  * global Blob is wrapped so that blobs built from strings remember their text;
//  * URL.createObjectURL(blob) for such blobs writes the text to a temp .cjs file and
//    returns that path (Node's Worker accepts file paths);
//  * Worker#postMessage replaces a Blob `urlOrBlob` (the main script that each pthread
//    worker importScripts()) by such a temp file, behind a prelude that defines the
//    bundle-local names the rollup bundle refers to (require$$0/1, commonjsGlobal, __dirname).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

type TextBlob = Blob & { __text?: string | null };

export function installWasmThreadsShim(distDir: string): void {
  const wt = require('node:worker_threads') as typeof import('node:worker_threads');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-wasm-threads-'));
  let n = 0;
  const prelude =
    `var require$$0=require('fs');var require$$1=require('path');var commonjsGlobal=global;` +
    `var __dirname=${JSON.stringify(distDir.replace(/\/$/, ''))};var __filename=__dirname+'/tf-backend-wasm.node.js';\n`;
  const writeTmp = (text: string, withPrelude: boolean): string => {
    const f = path.join(dir, `blob${n++}.cjs`);
    fs.writeFileSync(f, (withPrelude ? prelude : '') + text);
    return f;
  };

  const OrigBlob = globalThis.Blob;
  class RecBlob extends OrigBlob {
    __text: string | null;
    constructor(parts: BlobPart[] = [], opts?: BlobPropertyBag) {
      super(parts, opts);
      this.__text = parts.every((p) => typeof p === 'string') ? parts.join('') : null;
    }
  }
  globalThis.Blob = RecBlob;

  const origCreate = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (blob: Blob) => {
    const text = (blob as TextBlob).__text;
    return typeof text === 'string' ? writeTmp(text, false) : origCreate(blob);
  };

  const proto = wt.Worker.prototype as unknown as { postMessage(msg: unknown, ...rest: unknown[]): void };
  const origPost = proto.postMessage;
  proto.postMessage = function (this: unknown, msg: unknown, ...rest: unknown[]) {
    const m = msg as { cmd?: string; urlOrBlob?: TextBlob } | null;
    if (m && m.cmd === 'load' && m.urlOrBlob && typeof m.urlOrBlob.__text === 'string') {
      msg = { ...m, urlOrBlob: writeTmp(m.urlOrBlob.__text, true) };
    }
    return origPost.call(this, msg, ...rest);
  };

  process.on('exit', () => {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  });
}

/**
 * tfjs-backend-wasm (cc/backend.cc) caps its XNNPACK pool at
 * emscripten_num_logical_cores()/2 ("x86 has 2 hyperthreads per core"); in Node that is
 * os.cpus().length, so a 2-vCPU machine gets 1 thread whatever setThreadsCount() says.
 * To use n threads, os.cpus() is made to report 2n entries (as a browser on an n-core,
 * 2n-thread CPU reports hardwareConcurrency = 2n). Call before the backend initialises.
 */
export function fakeLogicalCores(n: number): number {
  const nodeOs = require('node:os') as typeof import('node:os');
  const orig = nodeOs.cpus.bind(nodeOs);
  const real = orig().length;
  nodeOs.cpus = () => {
    const c = orig();
    while (c.length < n) c.push(c[c.length % real]!);
    return c;
  };
  return real;
}
