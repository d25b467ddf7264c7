import type { CheckpointStore } from './train.js';

/** A `CheckpointStore` in memory (tests, browsers without storage). */
export function createMemoryCheckpointStore(): CheckpointStore & { saved: Map<string, Uint8Array> } {
  const saved = new Map<string, Uint8Array>();
  return {
    saved,
    save: async (kind, bytes) => void saved.set(kind, bytes.slice()),
    load: async (kind) => saved.get(kind)?.slice() ?? null,
  };
}
