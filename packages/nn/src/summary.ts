import { Tensor, noGrad, zeros } from '@cellstate/tensor';
import type { Module } from './module.js';
import { isRecurrentOutput } from './layers/sequence.js';
import { Sequential } from './sequential.js';

export interface SummaryOptions {
  /**
   * Shape of an example input (batch included, e.g. [1, 28, 1]): a `Sequential` is run
   * once on zeros of this shape (no gradients, eval mode, random streams restored) to
   * show each layer's output shape.
   */
  inputShape?: readonly number[];
}

/** One row of `summaryRows`. */
export interface SummaryRow {
  /** Child name and class, e.g. `0 (LSTM)`. */
  layer: string;
  /** Output shape, when an input shape was given and the model is a `Sequential`. */
  outputShape?: number[];
  parameters: number;
}

/** What `summaryRows` returns. */
export interface ModelSummary {
  rows: SummaryRow[];
  total: number;
  trainable: number;
}

/**
 * The rows of `summary` as data: one per direct child (the layers of a `Sequential`),
 * one for parameters the model holds itself, and the totals.
 *
 * @example
 * ```ts
 * const { rows, total } = summaryRows(new Sequential([new Linear(2, 4), new Linear(4, 1)]));
 * // rows: [{ layer: '0 (Linear)', parameters: 12 }, { layer: '1 (Linear)', parameters: 5 }], total 17
 * ```
 */
export function summaryRows(model: Module, options: SummaryOptions = {}): ModelSummary {
  const shapes = options.inputShape && model instanceof Sequential ? layerShapes(model, options.inputShape) : undefined;
  const children = model.namedChildren();
  const rows: SummaryRow[] = children.map(([name, child], i) => ({
    layer: `${name} (${child.constructor.name})`,
    ...(shapes ? { outputShape: shapes[i]! } : {}),
    parameters: child.parameterCount(),
  }));
  const inChildren = new Set(children.flatMap(([, child]) => child.parameters()));
  const own = model.parameters().filter((p) => !inChildren.has(p));
  if (own.length > 0) rows.unshift({ layer: `(own) ${model.constructor.name}`, parameters: own.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0) });
  return { rows, total: model.parameterCount(), trainable: model.parameterCount({ trainableOnly: true }) };
}

/**
 * A Keras-style table of the model: layer, output shape (with `inputShape`, for a
 * `Sequential`), parameters, and the totals.
 *
 * @example
 * ```ts
 * console.log(summary(model, { inputShape: [1, 28, 1] }));
 * // Layer          Output shape   Params
 * // 0 (LSTM)       [1, 28, 32]     4,352
 * // 1 (LastStep)   [1, 32]             0
 * // 2 (Linear)     [1, 1]             33
 * // Total params: 4,385 (trainable 4,385)
 * ```
 */
export function summary(model: Module, options: SummaryOptions = {}): string {
  const { rows, total, trainable } = summaryRows(model, options);
  const withShapes = rows.some((r) => r.outputShape);
  const table = [['Layer', ...(withShapes ? ['Output shape'] : []), 'Params'], ...rows.map((r) => [r.layer, ...(withShapes ? [r.outputShape ? `[${r.outputShape.join(', ')}]` : '-'] : []), r.parameters.toLocaleString('en')])];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => (c === row.length - 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('   ').trimEnd();
  const rule = '-'.repeat(line(table[0]!).length);
  return [line(table[0]!), rule, ...table.slice(1).map(line), rule, `Total params: ${total.toLocaleString('en')} (trainable ${trainable.toLocaleString('en')})`].join('\n');
}

function layerShapes(model: Sequential, inputShape: readonly number[]): number[][] {
  const shapes: number[][] = [];
  const wasTraining = model.training;
  // The trial forward must not move the dropout streams a training run depends on.
  const random = model.randomState();
  model.eval();
  try {
    noGrad(() => {
      const x = zeros(inputShape);
      try {
        model.run(x, {}, (_, __, out) => {
          const t = isRecurrentOutput(out) ? out.output : out;
          shapes.push(t instanceof Tensor ? [...t.shape] : []);
        }).dispose();
      } finally {
        x.dispose();
      }
    });
  } finally {
    model.train(wasTraining);
    model.setRandomState(random);
  }
  return shapes;
}
