import { describe, expect, it } from 'vitest';
import { type RedlineError } from '../../../src/errors.js';
import { parseDelimited, rowsToRecords } from '../../../src/import/parse-delimited.js';

describe('parseDelimited', () => {
  it('reads quoted fields with doubled quotes, delimiters and newlines, and CRLF line ends', () => {
    const rows = parseDelimited('\ufeffa,b\r\n"x, ""y""","line1\nline2"\r\n\r\nplain,2\n', ',', 'f.csv');
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, "y"', 'line1\nline2'] },
      { line: 5, fields: ['plain', '2'] },
    ]);
  });

  it('reads tab-separated rows and keeps empty fields', () => {
    expect(parseDelimited('a\t\tc\n', '\t', 'f.tsv')).toEqual([{ line: 1, fields: ['a', '', 'c'] }]);
  });

  it('names the line of an unterminated quote', () => {
    try {
      parseDelimited('a,b\n1,"open\n', ',', 'f.csv');
      expect.unreachable();
    } catch (error) {
      expect((error as RedlineError).code).toBe('E_MALFORMED');
    }
  });
});

describe('rowsToRecords', () => {
  it('keys rows by the header and reports rows with the wrong field count', () => {
    const { header, records } = rowsToRecords(parseDelimited('q,a\nwhat?,B\nbroken\n', ',', 'f.csv'));
    expect(header).toEqual(['q', 'a']);
    expect(records[0]).toEqual({ line: 2, record: { q: 'what?', a: 'B' } });
    expect(records[1]?.record).toBeNull();
    expect(records[1]?.line).toBe(3);
  });
});
