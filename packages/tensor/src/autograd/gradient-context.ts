// The contract between the autograd engine (backward.ts), the rules table
// (gradient-rules.ts) and the fused ops that bring their own rules, in a file of its
// own so the ops need not import the table that imports them.
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { OpAttrs, RecordedOpName } from './op-attrs.js';

/** What a gradient rule sees. Tensors created here are released by the engine unless returned. */
export interface GradientContext<K extends RecordedOpName> {
  readonly op: K;
  readonly attrs: OpAttrs[K];
  /** Gradient of each output (null where an output received none). */
  readonly dys: readonly (Tensor | null)[];
  /** dys[0], for single-output ops (never null when the rule runs). */
  readonly dy: Tensor;
  /** Saved input `i`; the rule must have declared it in the op's save spec. */
  input(i: number): Tensor;
  /** Saved output `i`. */
  output(i: number): Tensor;
  readonly extra: readonly Tensor[];
  readonly inputShapes: readonly Shape[];
  readonly needsGrad: readonly boolean[];
}

/** Returns one gradient per input (null for inputs that get none). */
export type GradientRule<K extends RecordedOpName> = (ctx: GradientContext<K>) => (Tensor | null)[];
