/**
 * Parsing labelled texts from JSONL, CSV or TSV bytes, with every problem reported as
 * `file:line`. Browser-safe (no Node APIs): the CLI reads files with `./data.ts`, the web
 * page parses the file the user picked. The page's Vite config maps `csv-parse/sync`
 * to csv-parse's browser build.
 */
import { parse } from 'csv-parse/sync';
import type { LabeledText } from '@cellstate/sentiment';

export type DataFormat = 'jsonl' | 'csv' | 'tsv';

export interface ReadDatasetOptions {
  format?: DataFormat;
  textColumn?: string;
  labelColumn?: string;
  /** Rename labels as they are read: { '0': 'negative', '1': 'positive' }. */
  labelMap?: Record<string, string>;
  /** `skip` (default): report and skip malformed lines; `fail`: throw at the first one. */
  onError?: 'skip' | 'fail';
  /** Texts without a label are fine (for `run` on files); default false. */
  labelOptional?: boolean;
}

export interface DatasetLine extends LabeledText {
  /** 1-based line of the record's start in the file. */
  line: number;
}

export interface Problem {
  file: string;
  line: number;
  message: string;
  /** false: only a warning (the record was kept). */
  skipped: boolean;
}

export interface Dataset {
  file: string;
  examples: DatasetLine[];
  problems: Problem[];
}

/** A malformed line when `onError: 'fail'`, or a file that cannot be read at all. */
export class DataError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`);
    this.name = 'DataError';
  }
}

export function formatOf(file: string, format?: DataFormat): DataFormat {
  if (format) return format;
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.tsv') || name.endsWith('.tab')) return 'tsv';
  return 'jsonl';
}

/** Splits bytes into lines and decodes each as UTF-8, noting which lines were not valid UTF-8. */
export function decodeLines(bytes: Uint8Array): { lines: string[]; invalid: number[] } {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const lenient = new TextDecoder('utf-8');
  const lines: string[] = [];
  const invalid: number[] = [];
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      const end = i > start && bytes[i - 1] === 0x0d ? i - 1 : i;
      const chunk = bytes.subarray(start, end);
      try {
        lines.push(fatal.decode(chunk));
      } catch {
        invalid.push(lines.length + 1);
        lines.push(lenient.decode(chunk));
      }
      start = i + 1;
    }
  }
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return { lines, invalid };
}

export function parseDataset(bytes: Uint8Array, file: string, options: ReadDatasetOptions = {}): Dataset {
  const format = formatOf(file, options.format);
  const textColumn = options.textColumn ?? (format === 'tsv' ? undefined : 'text');
  const labelColumn = options.labelColumn ?? 'label';
  const fail = options.onError === 'fail';
  const problems: Problem[] = [];
  const examples: DatasetLine[] = [];
  const { lines, invalid } = decodeLines(bytes);
  for (const line of invalid) problems.push({ file, line, message: 'bytes that are not valid UTF-8 (replaced with U+FFFD; the record is kept)', skipped: false });

  const problem = (line: number, message: string) => {
    if (fail) throw new DataError(message, file, line);
    problems.push({ file, line, message, skipped: true });
  };
  const take = (record: Record<string, unknown>, line: number, textKey: string) => {
    const text = record[textKey];
    const rawLabel = record[labelColumn];
    if (typeof text !== 'string') return problem(line, `no text: column ${JSON.stringify(textKey)} is ${text === undefined ? 'missing' : `a ${typeof text}`}`);
    if (rawLabel === undefined || rawLabel === null || rawLabel === '') {
      if (options.labelOptional) return void examples.push({ text, label: '', line });
      return problem(line, `no label: column ${JSON.stringify(labelColumn)} is missing or empty`);
    }
    const label = String(rawLabel).trim();
    const mapped = options.labelMap && Object.hasOwn(options.labelMap, label) ? options.labelMap[label]! : label;
    examples.push({ text, label: mapped, line });
  };

  if (format === 'jsonl') {
    lines.forEach((raw, i) => {
      if (!raw.trim()) return;
      let record: unknown;
      try {
        record = JSON.parse(raw);
      } catch (e) {
        return problem(i + 1, `not valid JSON (${(e as Error).message})`);
      }
      if (!record || typeof record !== 'object' || Array.isArray(record)) return problem(i + 1, 'expected a JSON object with text and label');
      take(record as Record<string, unknown>, i + 1, textColumn!);
    });
    return { file, examples, problems };
  }

  // CSV / TSV: the first row is the header. Records may span lines (quoted newlines in CSV).
  const delimiter = format === 'tsv' ? '\t' : ',';
  const source = lines.join('\n');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(source, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      ...(format === 'tsv' ? { quote: false } : { relax_quotes: true }),
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const err = e as Error & { lines?: number };
    if (fail || err.lines === undefined) throw new DataError(`cannot parse ${format.toUpperCase()}: ${err.message}`, file, err.lines);
    // Re-parse, skipping records with errors, to keep everything else.
    records = [];
    const parseLoose = parse as unknown as (input: string, options: Record<string, unknown>) => unknown;
    parseLoose(source, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      skip_records_with_error: true,
      on_skip: (error: { lines?: number; message: string } | undefined) => {
        if (error) problems.push({ file, line: error.lines ?? 0, message: error.message, skipped: true });
      },
      on_record: (r: { record: string[]; info: { lines: number } }) => void records.push(r),
    });
  }
  if (records.length === 0) throw new DataError('empty file (no header row)', file);
  const header = records[0]!.record.map((h) => h.trim());
  const textKey = textColumn ?? (header.includes('text') ? 'text' : header.includes('sentence') ? 'sentence' : header[0]!);
  for (const key of [textKey, labelColumn]) {
    if (!header.includes(key) && !(key === labelColumn && options.labelOptional)) {
      throw new DataError(`no column ${JSON.stringify(key)} in the header (${header.map((h) => JSON.stringify(h)).join(', ')}); use --text-column / --label-column`, file, 1);
    }
  }
  for (let r = 1; r < records.length; r++) {
    const { record, info } = records[r]!;
    const line = info.lines - (record.some((f) => f.includes('\n')) ? countNewlines(record) : 0);
    if (record.length !== header.length) {
      problem(line, `${record.length} fields, the header has ${header.length}`);
      continue;
    }
    take(Object.fromEntries(header.map((h, i) => [h, record[i]])), line, textKey);
  }
  return { file, examples, problems };
}

function countNewlines(record: string[]): number {
  let n = 0;
  for (const f of record) for (const ch of f) if (ch === '\n') n++;
  return n;
}

/** Parses `0=negative,1=positive` into a map. */
export function parseLabelMap(spec: string | undefined): Record<string, string> | undefined {
  if (!spec) return undefined;
  const map: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const [from, to] = part.split('=');
    if (!from || !to) throw new Error(`--label-map: expected from=to pairs separated by commas, got ${JSON.stringify(part)}`);
    map[from.trim()] = to.trim();
  }
  return map;
}
