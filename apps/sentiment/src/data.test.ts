import { describe, expect, it } from 'vitest';
import { DataError, decodeLines, parseDataset, parseLabelMap } from './data.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('reading datasets', () => {
  it('JSONL: malformed lines are reported as file:line and skipped, or fatal', () => {
    const text = ['{"text": "good", "label": "positive"}', '{"text": "bad", "label": ', '', '{"label": "negative"}', '[1, 2]', '{"text": "meh", "label": "neutral"}'].join('\n');
    const ds = parseDataset(bytes(text), 'd.jsonl');
    expect(ds.examples.map((e) => [e.text, e.label, e.line])).toEqual([['good', 'positive', 1], ['meh', 'neutral', 6]]);
    expect(ds.problems.map((p) => `${p.file}:${p.line}`)).toEqual(['d.jsonl:2', 'd.jsonl:4', 'd.jsonl:5']);
    expect(ds.problems[0]!.message).toMatch(/not valid JSON/);
    expect(ds.problems[1]!.message).toMatch(/no text/);
    expect(() => parseDataset(bytes(text), 'd.jsonl', { onError: 'fail' })).toThrow(DataError);
    expect(() => parseDataset(bytes(text), 'd.jsonl', { onError: 'fail' })).toThrow(/^d\.jsonl:2: not valid JSON/);
  });

  it('CSV: header, quoted commas and newlines, wrong field counts, label maps', () => {
    const text = 'id,text,label\n1,"late, again",0\n2,"two\nlines",1\n3,short\n4,"fine",1\n';
    const ds = parseDataset(bytes(text), 'd.csv', { labelMap: parseLabelMap('0=negative,1=positive') });
    expect(ds.examples.map((e) => [e.text, e.label, e.line])).toEqual([['late, again', 'negative', 2], ['two\nlines', 'positive', 3], ['fine', 'positive', 6]]);
    expect(ds.problems).toEqual([{ file: 'd.csv', line: 5, message: '2 fields, the header has 3', skipped: true }]);
    expect(() => parseDataset(bytes('a,b\n1,2\n'), 'x.csv')).toThrow(/x\.csv:1: no column "text"/);
    const broken = parseDataset(bytes('text,label\n"unclosed,1\n'), 'b.csv');
    expect(broken.examples).toEqual([]);
  });

  it('TSV (GLUE style, quotes are plain characters)', () => {
    const ds = parseDataset(bytes('sentence\tlabel\nit \'s a "great" film \t1\nbad \t0\n'), 'dev.tsv');
    expect(ds.examples.map((e) => [e.text, e.label])).toEqual([['it \'s a "great" film ', '1'], ['bad ', '0']]);
  });

  it('bytes that are not UTF-8 are reported and the record kept (nothing lost)', () => {
    const good = bytes('{"text": "ok ');
    const bad = new Uint8Array([...good, 0xff, 0xfe, ...bytes('", "label": "neutral"}\n{"text": "x", "label": "negative"}\n')]);
    const { invalid } = decodeLines(bad);
    expect(invalid).toEqual([1]);
    const ds = parseDataset(bad, 'u.jsonl');
    expect(ds.examples).toHaveLength(2);
    expect(ds.examples[0]!.text).toContain('\uFFFD');
    expect(ds.problems).toEqual([expect.objectContaining({ line: 1, skipped: false, message: expect.stringMatching(/not valid UTF-8/) })]);
  });

  it('label maps are checked', () => {
    expect(() => parseLabelMap('0negative')).toThrow(/from=to/);
  });
});
