import type { Handle } from '../backend/handle.js';
import type { Shape } from '../shape.js';
import { Tensor, type GradNodeRef } from '../tensor.js';
import { gradMode } from './no-grad.js';
import { tracking } from '../memory-tracking.js';
import type { OpAttrs, RecordedOpName } from './op-attrs.js';

/**
 * One recorded op. The node owns retained copies of the values its gradient rule
 * declared it needs (`saved`), so the user may dispose the originals; the tape
 * releases them when backward() finishes or clearTape() is called.
 */
export interface TapeNode<K extends RecordedOpName = RecordedOpName> extends GradNodeRef {
  readonly id: number;
  readonly op: K;
  readonly attrs: OpAttrs[K];
  /** The original inputs, for walking the graph and keying gradients. */
  readonly inputs: readonly Tensor[];
  readonly inputShapes: readonly Shape[];
  /** Which inputs need a gradient (leaf with requiresGrad, or produced by a recorded op). */
  readonly needsGrad: readonly boolean[];
  readonly outputs: readonly Tensor[];
  /** Retained views of saved inputs (undefined where not saved). */
  savedInputs: (Tensor | undefined)[];
  savedOutputs: (Tensor | undefined)[];
  /** Extra saved values, such as a fused op's reserve. */
  extra: Tensor[];
  /** Outputs not yet disposed. */
  liveOutputs: number;
  /** Live nodes that consume one of this node's outputs. */
  consumers: number;
}

const live = new Set<TapeNode>();
let nextId = 1;

/** Number of nodes the tape holds. */
export function liveTapeNodes(): number {
  return live.size;
}

export function needsGrad(t: Tensor): boolean {
  return t.requiresGrad || t.node !== null;
}

/** Whether an op on these inputs would be recorded. */
export function shouldRecord(inputs: readonly Tensor[]): boolean {
  return gradMode.enabled && inputs.some(needsGrad);
}

/** A retained view of `t`'s storage that no scope tracks; released with the node. */
function savedView(t: Tensor): Tensor {
  const handle = t.handleFor('autograd.save');
  t.backend.retain(handle);
  return new Tensor(t.backend, handle, { track: false });
}

/** Wraps a backend handle (already owned) as an untracked saved tensor. */
export function savedHandle(t: Tensor, handle: Handle): Tensor {
  return new Tensor(t.backend, handle, { track: false });
}

export interface SaveSpec {
  inputs?: readonly number[] | 'all';
  outputs?: boolean;
}

/**
 * Records an op if grad mode is on and an input needs a gradient. Returns the node
 * or null. `extra` tensors are handed over to the node (it disposes them).
 */
export function record<K extends RecordedOpName>(
  op: K,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  attrs: OpAttrs[K],
  save: SaveSpec,
  extra: Tensor[] = [],
): TapeNode<K> | null {
  if (!shouldRecord(inputs)) {
    for (const e of extra) e.dispose();
    return null;
  }
  const saveAll = save.inputs === 'all';
  const node: TapeNode<K> = {
    id: nextId++,
    op,
    attrs,
    inputs,
    inputShapes: inputs.map((t) => t.shape),
    needsGrad: inputs.map(needsGrad),
    outputs,
    savedInputs: inputs.map((t, i) => (saveAll || (save.inputs !== 'all' && save.inputs?.includes(i)) ? savedView(t) : undefined)),
    savedOutputs: outputs.map((t) => (save.outputs ? savedView(t) : undefined)),
    extra,
    liveOutputs: outputs.length,
    consumers: 0,
  };
  live.add(node as TapeNode);
  for (const o of outputs) o.node = node;
  for (const producer of new Set(inputs.map((t) => t.node as TapeNode | null))) {
    if (producer && live.has(producer)) producer.consumers++;
  }
  return node;
}

/**
 * A node is needed while one of its outputs is alive (a later backward may start
 * there) or a live node consumes it (backward walks through it). When neither holds,
 * nothing can reach it: free it, like PyTorch frees a graph nobody references. So
 * inference with parameters that require grad leaves no tape behind once its results
 * are disposed.
 */
function maybeRelease(node: TapeNode): void {
  if (live.has(node) && node.liveOutputs <= 0 && node.consumers <= 0) releaseNode(node);
}

tracking.onDispose = (t) => {
  if (!(t instanceof Tensor)) return;
  const node = t.node as TapeNode | null;
  if (!node || !live.has(node) || !node.outputs.includes(t)) return;
  node.liveOutputs--;
  maybeRelease(node);
};

/** Releases what a node saved. */
export function releaseNode(node: TapeNode): void {
  if (!live.delete(node)) return;
  releaseSaved(node);
  for (const o of node.outputs) if (o.node === node) o.node = null;
  for (const producer of new Set(node.inputs.map((t) => t.node as TapeNode | null))) {
    if (producer && live.has(producer)) {
      producer.consumers--;
      maybeRelease(producer);
    }
  }
}

/** Disposes the values `node` saved for its gradient rule (the node itself stays in the graph). */
export function releaseSaved(node: TapeNode): void {
  for (const t of node.savedInputs) t?.dispose();
  for (const t of node.savedOutputs) t?.dispose();
  for (const t of node.extra) t.dispose();
  node.savedInputs = [];
  node.savedOutputs = [];
  node.extra = [];
}

/**
 * Drops every recorded node and the values they saved. backward() does this for you;
 * call it when you recorded ops (grad mode on, inputs requiring grad) and will not
 * call backward().
 */
export function clearTape(): void {
  for (const node of [...live]) releaseNode(node);
}

export function isLive(node: TapeNode): boolean {
  return live.has(node);
}
