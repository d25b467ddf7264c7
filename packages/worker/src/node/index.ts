/**
 * @cellstate/worker/node: training in a worker_threads Worker.
 *
 * @example
 * ```ts
 * import { startNodeTraining } from '@cellstate/worker/node';
 * const session = startNodeTraining({ module: new URL('./my-training.js', import.meta.url), options: { steps: 500 }, checkpointEvery: 100 });
 * session.on('progress', (p) => console.log(p.step, p.loss.toFixed(4), `${Math.round((p.etaMs ?? 0) / 1000)} s left`));
 * const result = await session.done;
 * await writeFile('model.safetensors', result.checkpoint!.bytes);
 * ```
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import type { Endpoint } from '../protocol.js';
import { TrainingSession, type StartTrainingOptions } from '../session.js';

/** The events an endpoint listens to on a Node port, with what each listener receives. */
export interface NodePortEvents {
  message: unknown;
  error: Error;
  exit: number;
  messageerror: Error;
}

/** Adapts a worker_threads Worker (main side) or `parentPort` (worker side). */
export function endpointFromNodePort(port: {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void;
  on<E extends keyof NodePortEvents>(event: E, listener: (value: NodePortEvents[E]) => void): unknown;
  off<E extends keyof NodePortEvents>(event: E, listener: (value: NodePortEvents[E]) => void): unknown;
  terminate?(): Promise<number>;
}): Endpoint {
  return {
    post: (message, transfer = []) => port.postMessage(message, transfer),
    listen: (handler) => {
      port.on('message', handler);
      return () => port.off('message', handler);
    },
    onError: (handler) => {
      port.on('error', handler);
      port.on('messageerror', handler);
      return () => {
        port.off('error', handler);
        port.off('messageerror', handler);
      };
    },
    onExit: (handler) => {
      port.on('exit', handler);
      return () => port.off('exit', handler);
    },
    ...(port.terminate ? { terminate: () => port.terminate!() } : {}),
  };
}

export interface StartNodeTrainingOptions extends StartTrainingOptions {
  /** The training module: a path (relative to the working directory) or a URL. */
  module: string | URL;
  /** Passed to the Worker (resourceLimits, env, ...). */
  workerOptions?: WorkerOptions;
}

/** A path (relative to the working directory) or URL -> file: URL string. */
function toModuleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

/**
 * Starts a training run in a new worker thread. The worker exits when the run ends.
 * In this repository's source mode (TypeScript sources under vitest/tsx), the worker
 * registers tsx and resolves workspace packages with the `@cellstate/source` condition.
 */
export function startNodeTraining(options: StartNodeTrainingOptions): TrainingSession {
  const here = import.meta.url;
  const source = here.endsWith('.ts');
  const worker = source
    ? // --import tsx does not reach a worker's entry in Node 20: a JS bootstrap registers tsx first.
      new Worker(new URL('./ts-bootstrap.mjs', here), {
        execArgv: ['--conditions=@cellstate/source'],
        ...options.workerOptions,
        workerData: { cellstateEntry: new URL('./worker-entry.ts', here).href },
      })
    : new Worker(new URL('./worker-entry.js', here), options.workerOptions);
  const endpoint = endpointFromNodePort(worker);
  const session = new TrainingSession(endpoint, { ...options, module: toModuleUrl(options.module) });
  const end = () => void worker.terminate();
  session.done.then(end, end);
  return session;
}

export { TrainingSession, TrainingError } from '../session.js';
