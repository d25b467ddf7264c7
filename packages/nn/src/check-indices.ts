import { ArgumentError, type Shape, type Tensor } from '@cellstate/tensor';

/**
 * An integer id (embedding id, class label) outside its valid range. Thrown on the
 * host before the op runs, so nothing has been computed or changed.
 *
 * @example
 * ```ts
 * try {
 *   embedding.forward(ids);
 * } catch (error) {
 *   if (error instanceof IndexOutOfRangeError) console.log(error.index, error.position); // 7 [1, 1]
 * }
 * ```
 */
export class IndexOutOfRangeError extends ArgumentError {
  /** The offending value. */
  readonly index: number;
  /** Where it is: one coordinate per dimension of the id tensor. */
  readonly position: number[];

  constructor(op: string, index: number, position: number[], limit: number, allowed?: number) {
    const range = `[0, ${limit})${allowed === undefined ? '' : ` or ${allowed}`}`;
    super(op, `id ${index} at position [${position.join(', ')}] is outside ${range}`, { expected: range, actual: index });
    this.index = index;
    this.position = position;
  }
}

function unravel(flat: number, shape: Shape): number[] {
  const position = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    position[d] = flat % size;
    flat = Math.floor(flat / size);
  }
  return position;
}

/** True when `ids` can be read synchronously (the CPU and reference backends). */
export function canValidate(ids: Tensor): boolean {
  return ids.backend.capabilities.syncRead && typeof ids.backend.readSync === 'function';
}

/** Throws IndexOutOfRangeError for the first value outside [0, limit) (and not `allowed`). */
export function checkIndexValues(op: string, values: ArrayLike<number>, shape: Shape, limit: number, allowed?: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if ((v < 0 || v >= limit) && v !== allowed) throw new IndexOutOfRangeError(op, v, unravel(i, shape), limit, allowed);
  }
}

/** Reads `ids` synchronously and checks them (call only when `canValidate(ids)`). */
export function checkIndicesSync(op: string, ids: Tensor, limit: number, allowed?: number): void {
  checkIndexValues(op, ids.dataSync(), ids.shape, limit, allowed);
}
