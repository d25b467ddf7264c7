/**
 * Checkpoint files on disk (Node only). Writes are atomic: the bytes go to a temp
 * file in the target's directory, are fsynced, and the temp file is renamed over the
 * target, so a crash or a failed write never leaves a half-written checkpoint and an
 * existing file is replaced only by a complete one.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError } from '../checkpoint/errors.js';
import {
  decodeInto,
  decodeTrainingState,
  encodeModel,
  encodeTrainingState,
  type CheckpointableOptimizer,
  type DecodeModelResult,
  type DecodedTrainingState,
  type EncodeModelOptions,
  type TrainingCheckpointState,
} from '../checkpoint/state.js';
import type { Module } from '../module.js';

/**
 * Writes `bytes` to `path` atomically: `<path>.tmp-<pid>-<random>` in the same
 * directory, fsync, rename over `path` (then a best-effort fsync of the directory).
 * On failure the temp file is removed, the previous `path` (if any) is untouched,
 * and a `CheckpointError` naming `path` is thrown. Temp files of `path` left behind by
 * a process that was killed mid-write (its pid no longer runs) are removed first.
 *
 * @example
 * ```ts
 * await saveCheckpoint('runs/model.safetensors', await encodeModel(model));
 * ```
 */
export async function saveCheckpoint(path: string, bytes: Uint8Array): Promise<void> {
  await removeOrphanTempFiles(path);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let created = false;
  try {
    const handle = await open(tmp, 'wx');
    created = true;
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    created = false;
  } catch (cause) {
    if (created) await rm(tmp, { force: true }).catch(() => undefined);
    throw new CheckpointError('io', `could not write checkpoint: ${(cause as Error).message}`, { source: path, cause });
  }
  await syncDirectory(dirname(path));
}

/** Reads a checkpoint file's bytes; errors (missing file, permissions) name `path`. */
export async function loadCheckpointFile(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (cause) {
    throw new CheckpointError('io', `could not read checkpoint: ${(cause as Error).message}`, { source: path, cause });
  }
}

/** Saves a module's parameters as a safetensors file (PyTorch names), atomically. */
export async function saveModel(path: string, module: Module, options: EncodeModelOptions = {}): Promise<void> {
  await saveCheckpoint(path, await encodeModel(module, options));
}

/** Loads a safetensors file into `module`; on any error the module is unchanged. */
export async function loadModel(path: string, module: Module, options: { strict?: boolean } = {}): Promise<DecodeModelResult> {
  return decodeInto(module, await loadCheckpointFile(path), { ...options, source: path });
}

/** Saves model, optimizer state, step, epoch, `extra` and the dropout streams' positions as one file, atomically. */
export async function saveTrainingCheckpoint(path: string, state: TrainingCheckpointState): Promise<void> {
  await saveCheckpoint(path, await encodeTrainingState(state));
}

/** Restores a training checkpoint into `model` (and `optimizer`); returns step, epoch, extra. */
export async function loadTrainingCheckpoint(
  path: string,
  targets: { model: Module; optimizer?: CheckpointableOptimizer; strict?: boolean },
): Promise<DecodedTrainingState> {
  return decodeTrainingState(await loadCheckpointFile(path), { ...targets, source: path });
}

/**
 * Deletes `<path>.tmp-<pid>-<hex>` files whose writer is gone. A kill -9 between
 * `open` and `rename` leaves one behind; a live writer (another process saving the
 * same path, or this one) is left alone.
 */
async function removeOrphanTempFiles(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // a missing directory fails the write itself, with a better message
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isRunning(pid)) continue;
    await rm(join(dir, name), { force: true }).catch(() => undefined);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs under another user; only ESRCH means it is gone.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename durable on POSIX; opening a directory fails on Windows, which is fine.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}
