export { CellstateError } from '@cellstate/tensor';

/** `[2, 3]` for shapes, JSON-ish text for anything else. */
export function formatShapeForMessage(value: unknown): string {
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return `[${value.join(', ')}]`;
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}
