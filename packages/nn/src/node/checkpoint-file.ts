/**
 * Checkpoint files on disk (Node only). Writes are atomic: the bytes go to a temp
 * file in the target's directory, are fsynced, and the temp file is renamed over the
 * target, so a crash or a failed write never leaves a half-written checkpoint and an
 * existing file is replaced only by a complete one.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, open, readdir, readFile, realpath, rename, rm, stat, statfs, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
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

/**
 * Writes text or bytes to `path` atomically (as `saveCheckpoint` does): run metadata,
 * vocabularies and reports beside a checkpoint are never left half-written either.
 *
 * @example
 * ```ts
 * await writeFileAtomically('runs/en-fr/run.json', JSON.stringify(options));
 * ```
 */
export async function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  await saveCheckpoint(path, typeof data === 'string' ? new TextEncoder().encode(data) : data);
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

/** Kernel filesystems whose "files" are not storage (statfs magic numbers, Linux). */
const SPECIAL_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0x1cd1, 'devpts'],
]);
/** Directory trees that hold devices and kernel state, never files to write models into. */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

/** Options of `assertWritable`. */
export interface AssertWritableOptions {
  /** `path` is a directory to write files into (created when missing); default: a file to (re)write. */
  directory?: boolean;
}

/**
 * Checks, before any work is done, that a model, checkpoint or run directory can be
 * written at `path`: not on a special filesystem (/proc, /sys, /dev, cgroup, ...),
 * the directory exists or can be created, and a file can be created in it (a probe
 * file is written and removed). Throws a `CheckpointError` (code `io`) naming `path`,
 * so a command refuses at once instead of failing after hours of training.
 *
 * @example
 * ```ts
 * await assertWritable('runs/en-fr', { directory: true });
 * await assertWritable('models/en-fr.safetensors');
 * ```
 */
export async function assertWritable(path: string, options: AssertWritableOptions = {}): Promise<void> {
  const target = resolve(path);
  const fail = (detail: string, cause?: unknown): never => {
    throw new CheckpointError('io', `cannot write ${options.directory ? 'into ' : ''}${path}: ${detail}`, { source: path, ...(cause === undefined ? {} : { cause }) });
  };
  // The nearest existing ancestor, resolved through symlinks, says where the bytes would go.
  let existing = target;
  for (;;) {
    try {
      await stat(existing);
      break;
    } catch {
      const up = dirname(existing);
      if (up === existing) break;
      existing = up;
    }
  }
  const real = await realpath(existing).catch(() => existing);
  const root = SPECIAL_ROOTS.find((r) => real === r || real.startsWith(`${r}${sep}`));
  if (root) fail(`${root} is a special filesystem, not storage`);
  const fs = await statfs(real).catch(() => undefined);
  const special = fs && SPECIAL_FILESYSTEMS.get(Number(fs.type));
  if (special) fail(`it is on a ${special} filesystem, not storage`);

  const dir = options.directory ? target : dirname(target);
  if (!options.directory) {
    const s = await stat(target).catch(() => undefined);
    if (s?.isDirectory()) fail('it is a directory');
    if (s && !s.isFile()) fail('it exists and is not a regular file');
    if (s) await access(target, constants.W_OK).catch((cause: Error) => fail(cause.message, cause));
  }
  const d = await stat(dir).catch(() => undefined);
  if (d && !d.isDirectory()) fail(`${dir} is not a directory`);
  if (!d) await mkdir(dir, { recursive: true }).catch((cause: Error) => fail(cause.message, cause));
  const probe = join(dir, `.cellstate-write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(probe, 'wx');
    await handle.close();
  } catch (cause) {
    fail((cause as Error).message, cause);
  }
  await unlink(probe).catch(() => undefined);
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
