/**
 * Compute pipelines keyed by `KernelSpec.key(config)` (text-changing parameters only).
 *
 * - `get` compiles lazily and synchronously on first use (WebGPU queues the work; the
 *   pipeline can be used at once). A validation error scope around module + pipeline
 *   creation catches compile failures; the error arrives asynchronously and is handed
 *   to `onError` as a `WgslCompileError` whose message lists `line:column` of each
 *   problem with the source line (the backend raises it at the next read or sync).
 * - `warmup` compiles ahead of time with `createComputePipelineAsync`, de-duplicating
 *   compiles already in flight, and throws the formatted error directly.
 * - Set `CELLSTATE_WEBGPU_PRINT_SHADERS=1` (Node) or `globalThis.CELLSTATE_WEBGPU_PRINT_SHADERS = true`
 *   to print every shader as it is compiled (tfjs WEBGPU_PRINT_SHADER).
 */
import { WgslCompileError } from './errors.js';
import type { KernelSpec } from './kernels/kernel-spec.js';

export interface CompiledKernel {
  key: string;
  pipeline: GPUComputePipeline;
}

function printShaders(): boolean {
  const g = globalThis as { CELLSTATE_WEBGPU_PRINT_SHADERS?: unknown; process?: { env?: Record<string, string | undefined> } };
  return !!g.CELLSTATE_WEBGPU_PRINT_SHADERS || g.process?.env?.CELLSTATE_WEBGPU_PRINT_SHADERS === '1';
}

/** Formats compilation messages as `line:column type: message` plus the source line and a caret. */
export function formatCompilationMessages(messages: readonly Pick<GPUCompilationMessage, 'type' | 'message' | 'lineNum' | 'linePos'>[], source: string): string {
  const lines = source.split('\n');
  return messages
    .map((m) => {
      const text = lines[m.lineNum - 1] ?? '';
      const caret = `${' '.repeat(Math.max(0, m.linePos - 1))}^`;
      return `  ${m.lineNum}:${m.linePos} ${m.type}: ${m.message}\n    ${text}\n    ${caret}`;
    })
    .join('\n');
}

export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #onError: (error: Error) => void;
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #inFlight = new Map<string, Promise<GPUComputePipeline>>();

  constructor(device: GPUDevice, onError: (error: Error) => void) {
    this.#device = device;
    this.#onError = onError;
  }

  get size(): number {
    return this.#pipelines.size;
  }

  /** The pipeline for `spec` under `config`, compiled on first use. */
  get<C>(spec: KernelSpec<C>, config: C): GPUComputePipeline {
    const key = spec.key(config);
    const cached = this.#pipelines.get(key);
    if (cached) return cached;
    const code = spec.wgsl(config);
    if (printShaders()) console.log(`// ---- ${key}\n${code}`);
    const device = this.#device;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code, label: key });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
    void device.popErrorScope().then(async (error) => {
      if (!error) return;
      this.#pipelines.delete(key);
      this.#onError(await this.#describe(spec.name, key, module, code, error.message));
    });
    this.#pipelines.set(key, pipeline);
    return pipeline;
  }

  /** Compiles ahead of time; throws a `WgslCompileError` for a kernel that does not compile. */
  async warmup<C>(spec: KernelSpec<C>, config: C): Promise<void> {
    const key = spec.key(config);
    if (this.#pipelines.has(key)) return;
    let pending = this.#inFlight.get(key);
    if (!pending) {
      const code = spec.wgsl(config);
      const module = this.#device.createShaderModule({ code, label: key });
      pending = this.#device
        .createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key })
        .catch(async (error: unknown) => {
          throw await this.#describe(spec.name, key, module, code, error instanceof Error ? error.message : String(error));
        })
        .finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    const pipeline = await pending;
    if (!this.#pipelines.has(key)) this.#pipelines.set(key, pipeline);
  }

  async #describe(name: string, key: string, module: GPUShaderModule, code: string, fallback: string): Promise<WgslCompileError> {
    let messages: readonly GPUCompilationMessage[] = [];
    try {
      messages = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
    } catch {
      // getCompilationInfo is optional in some implementations; keep the device's message.
    }
    const text = messages.length > 0 ? formatCompilationMessages(messages, code) : `  ${fallback}`;
    return new WgslCompileError(`${name} (${key})`, text, messages[0] ? { line: messages[0].lineNum } : {});
  }

  clear(): void {
    this.#pipelines.clear();
  }
}
