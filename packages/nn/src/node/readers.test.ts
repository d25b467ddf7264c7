import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv, readCsvColumns, readJsonl, readLines } from './readers.js';

const dir = await mkdtemp(join(tmpdir(), 'cellstate-readers-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('readCsv, readCsvColumns, readJsonl', () => {
  it('CSV: header, quotes with commas, a BOM and blank lines', async () => {
    const path = await file('a.csv', '\uFEFFdate,sales,note\n2024-01-01,132,"cold, rainy"\n\n2024-01-02, 140 ,ok\n');
    expect(await readCsv(path)).toEqual([
      { date: '2024-01-01', sales: '132', note: 'cold, rainy' },
      { date: '2024-01-02', sales: '140', note: 'ok' },
    ]);
    expect(await readCsvColumns(path, ['sales'])).toEqual([[132], [140]]);
  });

  it('CSV columns: a missing column or a non-number names where', async () => {
    const path = await file('b.csv', 'sales,temp\n1,20\nx,21\n');
    await expect(readCsvColumns(path, ['price'])).rejects.toThrow("no column 'price'");
    await expect(readCsvColumns(path, ['temp', 'sales'])).rejects.toThrow("line 3: column 'sales' is 'x', not a number");
    expect(await readCsvColumns(path, ['temp'])).toEqual([[20], [21]]);
  });

  it('JSONL: one value per line, blank lines skipped, errors name the line', async () => {
    expect(await readJsonl(await file('c.jsonl', '{"a":1}\n\n[2, 3]\r\n"x"\n'))).toEqual([{ a: 1 }, [2, 3], 'x']);
    await expect(readJsonl(await file('d.jsonl', '{"a":1}\n{oops}\n'))).rejects.toThrow(/line 2/);
  });

  it('readLines: split on "\\n" only (a lone "\\r" stays), CRLF trimmed, a last line without "\\n", a character split across chunks', async () => {
    async function* chunks(): AsyncGenerator<string | Uint8Array> {
      const bytes = new TextEncoder().encode('caf\u00e9\rau lait\r\n\n');
      yield bytes.subarray(0, 4); // 'é' is two bytes: split between chunks
      yield bytes.subarray(4);
      yield 'last';
    }
    const lines: string[] = [];
    for await (const line of readLines(chunks())) lines.push(line);
    expect(lines).toEqual(['caf\u00e9\rau lait', '', 'last']);
  });
});
