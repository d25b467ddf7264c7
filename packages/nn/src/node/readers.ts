import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/**
 * The rows of a CSV file with a header line, as objects of column name → text
 * (csv-parse: quotes, embedded commas and newlines, a BOM, blank lines).
 *
 * @example
 * ```ts
 * const rows = await readCsv('sales.csv'); // [{ date: '2024-01-01', sales: '132' }, ...]
 * ```
 */
export async function readCsv(path: string): Promise<Record<string, string>[]> {
  return parse(await readFile(path, 'utf8'), { columns: true, bom: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
}

/**
 * The named columns of a CSV file as numbers, one row per line: `[[sales, temperature],
 * ...]`, ready for `timeSeriesSplit`. Throws naming the line and column of a missing
 * column or a value that is not a number.
 *
 * @example
 * ```ts
 * const series = await readCsvColumns('sales.csv', ['sales', 'temperature']);
 * ```
 */
export async function readCsvColumns(path: string, columns: readonly string[]): Promise<number[][]> {
  const rows = await readCsv(path);
  const missing = columns.find((c) => rows.length > 0 && !(c in rows[0]!));
  if (missing !== undefined) throw new Error(`${path}: no column '${missing}' (columns: ${Object.keys(rows[0]!).join(', ')})`);
  return rows.map((row, i) =>
    columns.map((c) => {
      const text = row[c]!;
      const value = text === '' ? NaN : Number(text);
      // Line i + 2: the header is line 1.
      if (!Number.isFinite(value)) throw new Error(`${path}, line ${i + 2}: column '${c}' is '${text}', not a number`);
      return value;
    }),
  );
}

/**
 * One JSON value per line (JSON Lines), blank lines skipped. Throws naming the line of
 * a value that does not parse.
 *
 * @example
 * ```ts
 * const examples = await readJsonl('train.jsonl'); // [{ text: '...', label: 1 }, ...]
 * ```
 */
export async function readJsonl(path: string): Promise<unknown[]> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/);
  const out: unknown[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      throw new Error(`${path}, line ${i + 1}: ${(e as Error).message}`);
    }
  });
  return out;
}

/**
 * The lines of a stream (standard input, a file stream) as they arrive, split on "\n"
 * only, with one trailing "\r" removed (CRLF files); a last line without "\n" is kept.
 * Unlike `readline`, a lone "\r" stays inside its line, so one input line always gives
 * one line here and output written per line stays aligned with the input.
 *
 * @example
 * ```ts
 * for await (const line of readLines(process.stdin)) console.log(line.length);
 * ```
 */
export async function* readLines(stream: AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of stream) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let at: number;
    while ((at = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, at).replace(/\r$/, '');
      rest = rest.slice(at + 1);
    }
  }
  rest += decoder.decode();
  if (rest) yield rest.replace(/\r$/, '');
}
