// Shared by the checkpoint tests (not exported from the package).
import type { Module } from '../module.js';
import type { CheckpointError } from './errors.js';
import { decodeInto } from './state.js';

/** The error `decodeInto` refuses `bytes` with (source 'bad.safetensors'); throws if it loads. */
export async function refusalOf(model: Module, bytes: Uint8Array): Promise<CheckpointError> {
  try {
    await decodeInto(model, bytes, { source: 'bad.safetensors' });
  } catch (e) {
    return e as CheckpointError;
  }
  throw new Error('expected a refusal');
}
