/**
 * RFC 4180 delimited text (CSV, TSV): quoted fields with doubled quotes, delimiters and newlines inside quotes,
 * CRLF or LF line ends, a UTF-8 BOM. Rows come back with their 1-based line number (where the row starts).
 */
import { RedlineError } from '../errors.js';

/** One parsed row and where it starts. */
export interface DelimitedRow {
  line: number;
  fields: string[];
}

/**
 * Parses `text` into rows; blank lines are skipped. Throws E_MALFORMED naming `file` and the line of an
 * unterminated quoted field.
 */
export function parseDelimited(text: string, delimiter: ',' | '\t', file: string): DelimitedRow[] {
  const rows: DelimitedRow[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let fields: string[] = [];
  let field = '';
  let rowLine = 1;
  let isQuoted = false;
  let quoteLine = 0;
  let rowHasContent = false;
  const endRow = (): void => {
    fields.push(field);
    if (rowHasContent || fields.length > 1 || field !== '') rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
    rowHasContent = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (isQuoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        isQuoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      isQuoted = true;
      quoteLine = line;
      rowHasContent = true;
      i++;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      rowHasContent = true;
      i++;
    } else if (c === '\r' || c === '\n') {
      endRow();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      rowLine = line;
    } else {
      field += c;
      rowHasContent = true;
      i++;
    }
  }
  if (isQuoted) {
    throw new RedlineError('E_MALFORMED', `${file}:${quoteLine}: a quoted field is never closed (missing ")`);
  }
  if (field !== '' || fields.length > 0 || rowHasContent) endRow();
  return rows;
}

/** Maps rows to objects keyed by the header row's names (trimmed); a row with the wrong field count is reported. */
export function rowsToRecords(rows: readonly DelimitedRow[]): {
  header: string[];
  records: Array<{ line: number; record: Record<string, string> | null; problem?: string }>;
} {
  const [head, ...body] = rows;
  if (head === undefined) return { header: [], records: [] };
  const header = head.fields.map((h) => h.trim());
  return {
    header,
    records: body.map((row) =>
      row.fields.length === header.length
        ? { line: row.line, record: Object.fromEntries(header.map((h, i) => [h, row.fields[i] ?? ''])) }
        : {
            line: row.line,
            record: null,
            problem: `has ${row.fields.length} fields, the header has ${header.length}`,
          },
    ),
  };
}
