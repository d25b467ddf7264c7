import { ShapeError } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkDType } from './util.js';

/** The tensors of a recurrent sequence op, by the roles its checks give them. */
export interface RecurrentSequenceTensors {
  x: Tensor;
  wIh: Tensor;
  wHh: Tensor;
  /** [gates·H] each, by name; an absent one is not checked. */
  biases: Readonly<Record<string, Tensor | undefined>>;
  /** Initial states [B, H], by name. */
  states: Readonly<Record<string, Tensor>>;
  lengths?: Tensor | undefined;
}

/**
 * The argument checks of lstmSequence and gruSequence: float32 tensors, x [T, B, I],
 * H from wHh [gates·H, H], wIh [gates·H, I], biases [gates·H], states [B, H] and int32
 * lengths [B]. The first failure throws, in that order, naming the tensor and the sizes.
 */
export function checkRecurrentSequence(op: string, gates: number, args: RecurrentSequenceTensors): { T: number; B: number; I: number; H: number } {
  const { x, wIh, wHh, biases, states, lengths } = args;
  const floats = { x, wIh, wHh, ...biases, ...states };
  for (const [name, t] of Object.entries(floats)) if (t) checkDType(op, t, ['float32'], name);
  if (x.rank !== 3) throw new ShapeError({ op, detail: 'x must be [T, B, I]', expected: '[T, B, I]', actual: [...x.shape] });
  const [T, B, I] = x.shape as [number, number, number];
  const H = wHh.shape[1] ?? -1;
  const expect = (name: string, t: Tensor, shape: number[]) => {
    if (!shapesEqual(t.shape, shape)) throw new ShapeError({ op, detail: `${name} has the wrong shape (T=${T}, B=${B}, I=${I}, H=${H})`, expected: shape, actual: [...t.shape] });
  };
  expect('wHh', wHh, [gates * H, H]);
  expect('wIh', wIh, [gates * H, I]);
  for (const [name, t] of Object.entries(biases)) if (t) expect(name, t, [gates * H]);
  for (const [name, t] of Object.entries(states)) expect(name, t, [B, H]);
  if (lengths) {
    checkDType(op, lengths, ['int32'], 'lengths');
    expect('lengths', lengths, [B]);
  }
  return { T, B, I, H };
}
