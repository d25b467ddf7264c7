import { ArgumentError, ShapeError } from '../errors.js';
import { scope } from '../memory.js';
import { onesLike } from '../ops/creation.js';
import { reshape } from '../ops/movement.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { addInto } from '../ops/add-into.js';
import { accumulate, gradientRules } from './gradient-rules.js';
import type { GradientContext } from './gradient-context.js';
import { noGrad } from './no-grad.js';
import type { RecordedOpName } from './op-attrs.js';
import { isLive, releaseNode, releaseSaved, type TapeNode } from './tape.js';

/** Gradients keyed by the tensor they belong to (parameters, or the `inputs` asked for). */
export type Gradients = Map<Tensor, Tensor>;

export interface BackwardOptions {
  /** Return gradients for these tensors (default: every leaf with `requiresGrad`). */
  inputs?: readonly Tensor[];
  /** Gradient of the loss (default: ones, i.e. d(sum(loss))). */
  gradient?: Tensor;
  /** Keep the tape so backward can run again over the same graph (default false). */
  retainGraph?: boolean;
}

function topoOrder(root: TapeNode): TapeNode[] {
  const order: TapeNode[] = [];
  const seen = new Set<TapeNode>();
  const stack: [TapeNode, boolean][] = [[root, false]];
  while (stack.length) {
    const [node, expanded] = stack.pop()!;
    if (expanded) {
      order.push(node);
      continue;
    }
    if (seen.has(node)) continue;
    seen.add(node);
    stack.push([node, true]);
    for (const input of node.inputs) {
      const child = input.node as TapeNode | null;
      if (child && isLive(child) && !seen.has(child)) stack.push([child, false]);
    }
  }
  return order; // inputs before the nodes that use them
}

function contextFor(node: TapeNode, dys: (Tensor | null)[]): GradientContext<RecordedOpName> {
  const dy = dys.find((d) => d !== null)!;
  return {
    op: node.op,
    attrs: node.attrs as never,
    dys,
    dy: dys[0] ?? dy,
    input(i) {
      const t = node.savedInputs[i];
      if (!t) throw new Error(`internal: gradient rule of ${node.op} read input ${i}, which its op did not save`);
      return t;
    },
    output(i) {
      const t = node.savedOutputs[i];
      if (!t) throw new Error(`internal: gradient rule of ${node.op} read output ${i}, which its op did not save`);
      return t;
    },
    extra: node.extra,
    inputShapes: node.inputShapes,
    needsGrad: node.needsGrad,
  };
}

/**
 * Backpropagates from `loss` through the recorded ops that produced it and returns the
 * gradients (float32 only). The graph it walked is released afterwards unless
 * `retainGraph` is set. Runs without recording (no higher-order gradients).
 *
 * @example
 * ```ts
 * const w = tensor([2]);
 * w.requiresGrad = true;
 * const grads = backward(mul(w, w));
 * await grads.get(w)!.data(); // [4]
 * ```
 */
export function backward(loss: Tensor, options: BackwardOptions = {}): Gradients {
  loss.handleFor('backward');
  const root = loss.node as TapeNode | null;
  if (!root || !isLive(root)) {
    throw new ArgumentError(
      'backward',
      loss.requiresGrad
        ? 'loss is a leaf: there is nothing to differentiate'
        : 'loss was not produced by recorded ops (no input requires grad, grad mode was off, or the tape was already released)',
    );
  }
  if (options.gradient && !shapesEqual(options.gradient.shape, loss.shape)) {
    throw new ShapeError({ op: 'backward', detail: 'gradient must have the shape of loss', expected: [...loss.shape], actual: [...options.gradient.shape] });
  }
  const wanted = options.inputs ? new Set(options.inputs) : null;
  const isWanted = (t: Tensor) => (wanted ? wanted.has(t) : t.requiresGrad && t.node === null);
  const result: Gradients = new Map();
  let order: TapeNode[] = [];

  try {
    noGrad(() => {
      const grads = new Map<Tensor, Tensor>();
      grads.set(loss, options.gradient ? reshape(options.gradient, loss.shape) : onesLike(loss));
      order = topoOrder(root);
      for (let n = order.length - 1; n >= 0; n--) {
        const node = order[n]!;
        const dys = node.outputs.map((o) => grads.get(o) ?? null);
        if (dys.every((d) => d === null)) continue;
        const inputGrads = scope(() => {
          const raw = (gradientRules[node.op] as (ctx: GradientContext<RecordedOpName>) => (Tensor | null)[])(contextFor(node, dys));
          // A rule may hand back dy itself, a value the node saved, or one tensor twice; give
          // each slot its own view.
          const seen = new Set<Tensor>(dys.filter((d): d is Tensor => d !== null));
          for (const t of [...node.savedInputs, ...node.savedOutputs, ...node.extra]) if (t) seen.add(t);
          return raw.map((g) => {
            if (!g) return null;
            if (seen.has(g)) return reshape(g, g.shape);
            seen.add(g);
            return g;
          });
        });
        // This node's rule has run and no other rule reads what it saved: free the saved
        // forward values now rather than after the whole walk, so activations go as the
        // backward pass moves down (peak memory of a training step ~ the forward's, not
        // forward plus all the gradients).
        if (!options.retainGraph) releaseSaved(node);
        node.outputs.forEach((o) => {
          if (!isWanted(o)) {
            grads.get(o)?.dispose();
            grads.delete(o);
          }
        });
        node.inputs.forEach((input, i) => {
          const g = inputGrads[i];
          if (!g) return;
          if (!node.needsGrad[i] || input.dtype !== 'float32') {
            g.dispose();
            return;
          }
          const previous = grads.get(input);
          if (previous) {
            // In place where the backend can: a weight used at every decoder step gets T
            // contributions, and summing them into fresh buffers cost a weight-sized copy each.
            grads.set(input, shapesEqual(previous.shape, g.shape) && g.dtype === 'float32' ? addInto(previous, g) : accumulate(previous, g));
            previous.dispose();
            g.dispose();
          } else grads.set(input, g);
        });
      }
      for (const [t, g] of grads) {
        if (isWanted(t)) result.set(t, g);
        else g.dispose();
      }
    });
  } finally {
    // Release the graph this backward walked (other recorded graphs stay usable).
    if (!options.retainGraph) for (const node of order.length ? order : [root]) releaseNode(node);
  }
  return result;
}

export { releaseNode };
