import { Command, InvalidArgumentError } from 'commander';

/**
 * An example's command line, begun: its name, its description and `--out` (the file it
 * writes, `out.file` by default, shown as `<file.svg>` after the default's extension).
 * The example adds its own options and parses.
 */
export function exampleCommand(name: string, description: string, out: { file: string; what: string }): Command {
  const extension = out.file.slice(out.file.lastIndexOf('.'));
  return new Command().name(name).description(description).option(`--out <file${extension}>`, out.what, out.file);
}

/** commander argument parser for a positive integer. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** commander argument parser for any integer (seeds). */
export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

/** commander argument parser for a positive number. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** A fixed-width text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
