import { ArgumentError } from '@cellstate/tensor';

/**
 * The argument checks every constructor and option reader of @cellstate/nn makes, with
 * one wording: `ArgumentError(op, "<name> must be a positive integer, got <value>")`.
 *
 * @example
 * ```ts
 * checkPositiveInteger('StepLR', 'stepSize', stepSize);
 * checkNonNegativeNumber('StepLR', 'gamma', gamma);
 * ```
 */
export function checkPositiveInteger(op: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ArgumentError(op, `${name} must be a positive integer, got ${value}`);
}

/** As `checkPositiveInteger`, 0 allowed. */
export function checkNonNegativeInteger(op: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new ArgumentError(op, `${name} must be a non-negative integer, got ${value}`);
}

/** A finite number ≥ 0 (NaN and Infinity are refused). */
export function checkNonNegativeNumber(op: string, name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new ArgumentError(op, `${name} must be a non-negative number, got ${value}`);
}
